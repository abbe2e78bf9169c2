import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 21 item 3: without Docker the backend exited on the first lab step opened (a rejection nobody handled
// in the command log's attach). Run in a child process, as the shells run it, where such a rejection ends the
// process (inside vitest it would only be reported).

describe('a backend without Docker', () => {
  it('stays up after a lab step is opened and keeps answering, with "no Docker" as the environment state', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-no-docker-'));
    try {
      const script = path.join(import.meta.dirname, 'backend-no-docker.test-support.ts');
      const child = spawn(process.execPath, ['--import', 'tsx', script, path.join(tmp, 'data')], {
        env: { ...process.env, DOCKER_HOST: `unix://${path.join(tmp, 'nobody-listens.sock')}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      const lines = stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines, `stderr: ${stderr}`).toContainEqual({ call: 'labs.activate', ok: true });
      expect(lines, `stderr: ${stderr}`).toContainEqual({ call: 'labs.list', ok: true });
      const status = lines.find((line) => line.call === 'env.status');
      expect(status?.ok, JSON.stringify(status)).toBe(true);
      expect(status?.value).toMatchObject({ state: 'error', message: expect.stringContaining('Docker does not answer') });
      expect(lines).toContainEqual({ call: 'labs.get', ok: true });
      expect(lines.at(-1)).toEqual({ done: true });
      // The Docker failure was handled where it happened; only the deliberate rejection reached the safety net.
      expect(stderr.match(/a background task failed/g) ?? [], stderr).toHaveLength(1);
      expect(stderr).toContain('a deliberate unhandled rejection');
      expect(code).toBe(0);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 30_000);
});
