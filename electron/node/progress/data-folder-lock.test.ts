import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderLock, LOCK_FILE_NAME, type LockEnvironment } from './data-folder-lock.ts';

// Issue 20 item 5: one Labdeck per data folder. The second one is told where the first runs, a lock left by a
// killed process is taken over, and a Labdeck that lost its lock writes nothing more.

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data-folder-lock.child.test-support.ts');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts another process that takes the lock; resolves with its first line ("held" or "refused: …"). */
function otherLabdeck(): { line: Promise<string>; kill: () => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    child.on('exit', (code) => (text.includes('\n') ? undefined : reject(new Error(`the other process exited (${code}) without a word`))));
  });
  const closed = new Promise((resolve) => child.on('close', resolve));
  return {
    line,
    kill: async () => {
      child.kill('SIGKILL');
      await closed;
    },
  };
}

describe('the data folder lock', () => {
  it('refuses a second Labdeck process, saying which process, host and start time holds the folder', async () => {
    const lock = await DataFolderLock.acquire(dir);
    const other = otherLabdeck();
    try {
      const line = await other.line;
      expect(line).toMatch(new RegExp(`^refused: Labdeck is already running on the data folder .* \\(process ${process.pid} on ${os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, running since \\d{4}-\\d\\d-\\d\\dT`));
    } finally {
      await other.kill();
      await lock.release();
    }
    expect(await readdir(dir)).toEqual([]);
  }, 30_000);

  it('takes over a lock left by a process that was killed', async () => {
    const other = otherLabdeck();
    expect(await other.line).toBe('held');
    await expect(DataFolderLock.acquire(dir)).rejects.toThrow(/already running/);
    await other.kill();
    const lock = await DataFolderLock.acquire(dir);
    expect(JSON.parse(await readFile(path.join(dir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    await lock.assertHeld();
    await lock.release();
  }, 30_000);

  it('never takes over the lock of another host, and treats a half-written lock as held while it is fresh', async () => {
    const elsewhere: LockEnvironment = { pid: 4242, host: 'other-laptop', isRunning: () => false, now: () => new Date() };
    const theirs = await DataFolderLock.acquire(path.join(dir, 'shared'), elsewhere);
    const here: LockEnvironment = { pid: 4343, host: 'this-laptop', isRunning: () => false, now: () => new Date() };
    await expect(DataFolderLock.acquire(path.join(dir, 'shared'), here)).rejects.toThrow(/process 4242 on other-laptop/);
    await theirs.release();

    await writeFile(path.join(dir, LOCK_FILE_NAME), '{"pid":');
    await expect(DataFolderLock.acquire(dir, here)).rejects.toThrow(/another Labdeck that is starting right now/);
    const later: LockEnvironment = { ...here, now: () => new Date(Date.now() + 60_000) };
    const lock = await DataFolderLock.acquire(dir, later);
    await lock.release();
  });

  it('is shared within one process (a course switch), and a holder that lost it is told so before writing', async () => {
    const first = await DataFolderLock.acquire(dir);
    const second = await DataFolderLock.acquire(dir);
    await first.release();
    await second.assertHeld();
    // Someone deleted the file and another Labdeck took the folder: this one must stop writing.
    await rm(path.join(dir, LOCK_FILE_NAME));
    const intruder = await DataFolderLock.acquire(dir, { pid: 999_999, host: 'other-laptop', isRunning: () => true, now: () => new Date() });
    await expect(second.assertHeld()).rejects.toThrow(/no longer holds the data folder .*process 999999 on other-laptop took it over/);
    await second.release();
    // Releasing does not remove a lock that is not ours.
    expect(await readdir(dir)).toEqual([LOCK_FILE_NAME]);
    await intruder.release();
  });
});
