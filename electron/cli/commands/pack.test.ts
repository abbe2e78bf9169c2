import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerKeysCommand } from './keys.ts';
import { registerPackCommand } from './pack.ts';
import { runCommand } from './run-command.test-support.ts';

const REAL_LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs/1.1-kubectl-kubeconfig');

describe('labdeck keys and labdeck pack', () => {
  let work: string;
  beforeEach(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-pack-cli-'));
    await fsp.cp(REAL_LAB, path.join(work, 'course', '1.1-kubectl-kubeconfig'), { recursive: true });
    await fsp.writeFile(path.join(work, 'course', 'course.yaml'), 'id: demo\ntitle: Demo\nversion: 1.0.0\n');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await fsp.rm(work, { recursive: true, force: true });
  });

  it('keys new writes a 0600 private key and prints the fingerprint in hex groups; never overwrites', async () => {
    const run = await runCommand(registerKeysCommand, ['keys', 'new', '--name', 'ada', '--out', path.join(work, 'keys')]);
    expect(run.stdout).toMatch(/Fingerprint: ([0-9a-f]{4} ){15}[0-9a-f]{4}\n/);
    expect((await fsp.stat(path.join(work, 'keys', 'ada.labdeck-key'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await fsp.readFile(path.join(work, 'keys', 'ada.labdeck-pub'), 'utf8'))).toMatchObject({ type: 'labdeck-ed25519-public-key', name: 'ada' });
    await expect(runCommand(registerKeysCommand, ['keys', 'new', '--name', 'ada', '--out', path.join(work, 'keys')])).rejects.toThrow(/already exists; Labdeck does not overwrite a key/);
  });

  it('pack --verify: untrusted until --trust, then OK; exit 1 while untrusted', async () => {
    await runCommand(registerKeysCommand, ['keys', 'new', '--name', 'ada', '--out', path.join(work, 'keys')]);
    const out = path.join(work, 'demo.labdeck');
    const packed = await runCommand(registerPackCommand, ['pack', path.join(work, 'course'), '--out', out, '--key', path.join(work, 'keys', 'ada.labdeck-key'), '--no-images']);
    expect(packed.stdout).toMatch(/^Pack .*demo\.labdeck: Demo, \d+ course files, 0 image files \(no images\), signed by ada/);

    const dataDir = path.join(work, 'data');
    const untrusted = await runCommand(registerPackCommand, ['pack', '--verify', out, '--data-dir', dataDir]);
    expect(untrusted.exitCode).toBe(1);
    expect(untrusted.stdout).toContain('UNTRUSTED');
    expect(untrusted.stdout).toMatch(/Key fingerprint: [0-9a-f ]+\nPublisher name: {2}"ada" \(claimed by the key's owner\)/);

    const trusted = await runCommand(registerPackCommand, ['pack', '--verify', out, '--data-dir', dataDir, '--trust']);
    expect(trusted.exitCode).toBeUndefined();
    expect(trusted.stdout).toContain('OK  every entry matches its sha256 and the signature is valid; the publisher is trusted');
    expect((await runCommand(registerKeysCommand, ['keys', 'list', '--data-dir', dataDir])).stdout).toMatch(/ ada\n$/);
  });
});
