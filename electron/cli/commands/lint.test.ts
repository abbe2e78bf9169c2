import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { registerLintCommand } from './lint.ts';
import { runCommand, type CommandRun } from './run-command.test-support.ts';

const REAL_LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

function runLint(...args: string[]): Promise<CommandRun> {
  return runCommand(registerLintCommand, ['lint', ...args]);
}

describe('labdeck lint', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints a summary and exits 0 for the course in labs/', async () => {
    const { stdout, exitCode } = await runLint(REAL_LABS);
    expect(stdout).toMatch(/9 labs, \d+ steps, \d+ checks, no problems/);
    expect(exitCode ?? 0).toBe(0);
  });

  it('prints file:line:col lines and exits 1 when something is wrong', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'labdeck-cli-lint-'));
    await mkdir(path.join(dir, '1.1-x'));
    await writeFile(path.join(dir, '1.1-x', 'lab.yaml'), 'id: "1.1"\nslug: x\ntitle: X\n');
    const { stdout, exitCode } = await runLint(dir);
    expect(stdout).toContain(`${path.join(dir, '1.1-x', 'lab.yaml')}:1:1 summary: required field is missing (string)`);
    expect(stdout).toMatch(/problem\(s\) in 0 labs/);
    expect(exitCode).toBe(1);
  });

  it('prints pure JSON with --json', async () => {
    const { stdout } = await runLint(REAL_LABS, '--json');
    expect(JSON.parse(stdout)).toMatchObject({ problems: [], labs: 9 });
  });
});
