import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `labdeck` as a person runs it after `npm link`: from any folder, not the clone. The sources run (tsx), so
// the test sees this checkout's code whatever state dist/cli is in.
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const entry = path.join(root, 'electron/cli/labdeck.js');
let elsewhere: string;

const labdeck = (...args: string[]) => run(process.execPath, [entry, ...args], { cwd: elsewhere, env: { ...process.env, LABDECK_CLI_SOURCE: '1' }, timeout: 60_000 });

beforeAll(async () => {
  elsewhere = await mkdtemp(path.join(os.tmpdir(), 'labdeck-anywhere-'));
});
afterAll(async () => {
  await rm(elsewhere, { recursive: true, force: true });
});

describe('labdeck run from another folder', () => {
  it('prints its version with --version', async () => {
    const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await labdeck('--version');
    expect(stdout.trim()).toBe(version);
  });

  it("finds the course that comes with it (lint's default), not ./labs of the current folder", async () => {
    const { stdout } = await labdeck('lint', '--json');
    expect(JSON.parse(stdout)).toMatchObject({ problems: [], labs: 9 });
  });

  it("defaults serve's course and renderer to its own folders", async () => {
    const { stdout } = await labdeck('serve', '--help');
    expect(stdout).toContain(path.join(root, 'dist/renderer'));
    expect(stdout).toContain(path.join(root, 'labs'));
  });
});
