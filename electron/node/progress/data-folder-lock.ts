import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LabdeckError } from '../../common/errors.ts';

/**
 * One Labdeck writes a data folder at a time (issue 20): two writers fork the evidence journal's chain within
 * seconds. The lock is a file, `<data folder>/labdeck.lock`, made with O_EXCL and holding who made it (pid,
 * host, start time, a random token). A lock left by a killed process is stale: its pid no longer runs on this
 * host (or is this very process, which does not hold it); it is then taken over. A lock of another host is
 * never taken over: the message says where that Labdeck runs and which file to delete if it does not.
 * Within one process the lock is shared (a course switch builds the next course's services before the
 * previous ones are disposed), and released when the last holder lets go.
 */

export const LOCK_FILE_NAME = 'labdeck.lock';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  token: string;
}

export interface LockEnvironment {
  pid: number;
  host: string;
  /** Whether a process with this pid runs on this host. */
  isRunning: (pid: number) => boolean;
  now: () => Date;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const defaultEnvironment = (): LockEnvironment => ({ pid: process.pid, host: os.hostname(), isRunning, now: () => new Date() });

/** Held locks of this process, by lock file and pid (tests stand in for other processes with another pid). */
const held = new Map<string, { owner: LockOwner; holders: number }>();
const heldKey = (file: string, pid: number) => `${pid}\0${file}`;

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.startedAt === 'string' && typeof value.token === 'string') return value as LockOwner;
  } catch {
    // fall through
  }
  return undefined;
}

function alreadyRunning(dir: string, file: string, owner: LockOwner | undefined): LabdeckError {
  const where = owner ? `process ${owner.pid} on ${owner.host}, running since ${owner.startedAt}` : 'another Labdeck that is starting right now';
  return new LabdeckError('conflict', `Labdeck is already running on the data folder ${dir} (${where}).`, {
    action: `Use that Labdeck window (or stop that \`labdeck serve\`), or start this one with another data folder (LABDECK_DATA_DIR). If no Labdeck runs there any more, delete ${file}.`,
  });
}

export class DataFolderLock {
  readonly file: string;
  readonly #token: string;
  readonly #pid: number;
  #released = false;

  private constructor(file: string, token: string, pid: number) {
    this.file = file;
    this.#token = token;
    this.#pid = pid;
  }

  /** Takes the data folder for this process, or throws "already running" naming the other Labdeck. */
  static async acquire(dataDir: string, environment: LockEnvironment = defaultEnvironment()): Promise<DataFolderLock> {
    const dir = path.resolve(dataDir);
    const file = path.join(dir, LOCK_FILE_NAME);
    const mine = held.get(heldKey(file, environment.pid));
    if (mine) {
      mine.holders++;
      return new DataFolderLock(file, mine.owner.token, environment.pid);
    }
    await fsp.mkdir(dir, { recursive: true });
    const owner: LockOwner = { pid: environment.pid, host: environment.host, startedAt: environment.now().toISOString(), token: randomBytes(16).toString('hex') };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fsp.writeFile(file, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o600 });
        held.set(heldKey(file, environment.pid), { owner, holders: 1 });
        return new DataFolderLock(file, owner.token, environment.pid);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue; // Released in between: try again.
      const other = parseOwner(text);
      if (!(await DataFolderLock.#isStale(file, other, environment))) throw alreadyRunning(dir, file, other);
      // Stale: move exactly that file away (rename is atomic; a fresh lock made meanwhile is left alone
      // unless it is byte for byte the stale one), then try to create ours again.
      const current = await fsp.readFile(file, 'utf8').catch(() => undefined);
      if (current !== text) continue;
      const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
      await fsp.rename(file, aside).catch(() => undefined);
      await fsp.rm(aside, { force: true });
    }
    throw alreadyRunning(dir, file, undefined);
  }

  static async #isStale(file: string, other: LockOwner | undefined, environment: LockEnvironment): Promise<boolean> {
    if (!other) {
      // Unreadable: a writer killed between creating and filling it, unless that is happening right now.
      const stat = await fsp.stat(file).catch(() => undefined);
      return stat === undefined || environment.now().getTime() - stat.mtimeMs > 10_000;
    }
    if (other.host !== environment.host) return false;
    // Our own pid without holding it: a lock left by an earlier process that had the same pid (containers).
    if (other.pid === environment.pid) return !held.has(heldKey(file, environment.pid));
    return !environment.isRunning(other.pid);
  }

  /** Throws when this process no longer holds the lock (it was deleted and another Labdeck took the folder). */
  async assertHeld(): Promise<void> {
    const text = await fsp.readFile(this.file, 'utf8').catch(() => undefined);
    const owner = text === undefined ? undefined : parseOwner(text);
    if (this.#released || owner?.token !== this.#token) {
      throw new LabdeckError('conflict', `This Labdeck no longer holds the data folder ${path.dirname(this.file)}${owner ? `: process ${owner.pid} on ${owner.host} took it over at ${owner.startedAt}` : ' (its lock file was removed)'}; nothing more is written.`, {
        action: 'Close this Labdeck and keep working in the other one, or close that one and restart this one.',
      });
    }
  }

  /** Lets go; the file is removed when the last holder in this process lets go. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const key = heldKey(this.file, this.#pid);
    const mine = held.get(key);
    if (!mine || mine.owner.token !== this.#token) return;
    if (--mine.holders > 0) return;
    held.delete(key);
    const text = await fsp.readFile(this.file, 'utf8').catch(() => undefined);
    if (text !== undefined && parseOwner(text)?.token === this.#token) await fsp.rm(this.file, { force: true });
  }
}
