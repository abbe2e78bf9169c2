import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that a crash or power loss at any point leaves either the old or the new content, never
 * a torn or empty file: temp file, fsync, rename, then fsync of the folder. With `previousCopy`, the file
 * being replaced is kept there first (a last good copy to recover from).
 */
export async function writeFileDurably(file: string, content: string, options: { previousCopy?: string } = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.previousCopy !== undefined) {
      await rename(file, options.previousCopy).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    await rename(temp, file);
  } catch (error) {
    // A full disk or a failed rename must not leave a temp file per attempt behind (issue 21: 47 in 15 s).
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(path.dirname(file));
}

/**
 * Makes a new or renamed directory entry durable. Windows cannot open a directory for syncing; NTFS
 * journals the metadata itself, so there is nothing to do there.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
