import { maxClassReportChars, maxClassReports } from '../../../electron/common/api/classroom.ts';

/**
 * Reads completion reports from a folder the instructor dropped on the class view or chose with the page's
 * folder picker (`<input type=file webkitdirectory>`): the browser shell cannot hand the backend a path, so
 * the page reads the *.json files itself and sends their text (classroom.grade). Files too large to be a
 * report, and files beyond the call's bound, are named instead of sent.
 */
export interface ReadReports {
  /** The folder's name, shown where a path would be. */
  label: string;
  files: { name: string; text: string }[];
  /** Names of files left out, with why. */
  skipped: string[];
}

interface NamedFile {
  name: string;
  /** Path inside the dropped or chosen folder (folder/name.json); the folder name comes from its first part. */
  relativePath: string;
  size: number;
  text(): Promise<string>;
}

export async function readReports(found: readonly NamedFile[]): Promise<ReadReports> {
  const label = found.find((file) => file.relativePath.includes('/'))?.relativePath.split('/')[0] ?? 'dropped reports';
  const files: ReadReports['files'] = [];
  const skipped: string[] = [];
  for (const file of [...found].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!file.name.endsWith('.json')) continue;
    if (file.size > maxClassReportChars) skipped.push(`${file.name} (too large to be a report)`);
    else if (files.length >= maxClassReports) skipped.push(`${file.name} (more than ${maxClassReports} reports)`);
    else files.push({ name: file.name, text: await file.text() });
  }
  return { label, files, skipped };
}

/** The files of `<input type=file webkitdirectory>`. */
export function chosenFiles(list: FileList | null): NamedFile[] {
  return [...(list ?? [])].map((file) => ({ name: file.name, relativePath: file.webkitRelativePath || file.name, size: file.size, text: () => file.text() }));
}

/** The files of a dropped folder (one level deep: reports sit directly in it), or of dropped files. */
export async function droppedFiles(transfer: DataTransfer): Promise<NamedFile[]> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry?.()).filter((entry): entry is FileSystemEntry => Boolean(entry));
  const found: NamedFile[] = [];
  for (const entry of entries) {
    if (entry.isFile) found.push(await fromEntry(entry as FileSystemFileEntry, entry.name));
    else if (entry.isDirectory) {
      for (const child of await listDirectory(entry as FileSystemDirectoryEntry)) {
        if (child.isFile) found.push(await fromEntry(child as FileSystemFileEntry, `${entry.name}/${child.name}`));
      }
    }
  }
  return found;
}

function fromEntry(entry: FileSystemFileEntry, relativePath: string): Promise<NamedFile> {
  return new Promise((resolve, reject) =>
    entry.file((file) => resolve({ name: file.name, relativePath, size: file.size, text: () => file.text() }), reject),
  );
}

/** readEntries answers in batches (100 in Chromium) until it answers none. */
async function listDirectory(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}
