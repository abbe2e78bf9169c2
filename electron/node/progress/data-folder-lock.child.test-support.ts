// A second Labdeck process on a data folder: takes the lock, prints "held" (or the refusal), and waits to be killed.
import { DataFolderLock } from './data-folder-lock.ts';

const dir = process.argv[2] ?? '';
try {
  await DataFolderLock.acquire(dir);
  process.stdout.write('held\n');
  setInterval(() => undefined, 60_000);
} catch (error) {
  process.stdout.write(`refused: ${(error as Error).message}\n`);
  process.exit(3);
}
