import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventName, EventPayload, EventSink } from '../../common/api/contract.ts';
import type { ProgressState } from '../../common/api/labs.ts';
import { writeFileDurably } from '../durable-file.ts';
import { DataFolderLock } from './data-folder-lock.ts';
import { EvidenceJournal, readJournal } from './evidence-journal.ts';
import { ProgressStore, type ProgressCourse } from './progress-store.ts';

// Issue 21 item 7: a save that fails (full disk, unwritable folder) leaves no temp file behind, and the
// attendee is told their progress was not saved, until a save works again. Runs as any user (also root, for
// whom permissions do not stop a write): the folder is made unwritable by putting a file where it belongs.

const course: ProgressCourse = { courseId: 'test-course', labs: [{ id: '1.2', steps: [{ id: 'a', checkIds: ['c'], hintCount: 0 }, { id: 'b', checkIds: ['d'], hintCount: 0 }] }] };

class RecordingSink implements EventSink {
  readonly changes: ProgressState[] = [];
  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    if (name === 'progress.changed') this.changes.push(payload as ProgressState);
  }
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-save-failure-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a failed durable write', () => {
  it('leaves no temp file behind, however often it fails', async () => {
    // The rename fails: the target is a folder that holds something.
    const target = path.join(dir, 'progress.json');
    await mkdir(target);
    await writeFile(path.join(target, 'occupied'), '');
    for (let attempt = 0; attempt < 5; attempt++) await expect(writeFileDurably(target, '{}')).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['progress.json']);
  });
});

describe('progress that cannot be saved', () => {
  it('is said to the attendee, without temp files, and the notice goes once a save works again', async () => {
    const folder = path.join(dir, 'data');
    const file = path.join(folder, 'progress.json');
    const events = new RecordingSink();
    const store = await ProgressStore.open({ file, catalog: course, events, saveDelayMs: 1 });
    store.activate('1.2', 'a');
    await store.flush();
    expect(store.get().saveError).toBeUndefined();

    // The data folder becomes unwritable: a plain file now stands where the progress file was.
    await rm(folder, { recursive: true });
    await writeFile(folder, 'not a folder');
    store.activate('1.2', 'b');
    await store.flush();
    expect(store.get().saveError).toMatch(/^Your progress was not saved: Labdeck cannot write .*progress\.json/);
    expect(events.changes.at(-1)?.saveError).toMatch(/not saved/);
    expect(await readdir(dir)).toEqual(['data']);

    // Writable again: the next save clears the notice, and the notice itself was never saved.
    await rm(folder);
    store.activate('1.2', 'a');
    await store.flush();
    expect(store.get().saveError).toBeUndefined();
    expect(events.changes.at(-1)?.saveError).toBeUndefined();
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('a Labdeck that no longer holds its data folder (issue 20)', () => {
  it('writes neither progress nor journal, says so, and leaves no temp file', async () => {
    const folder = path.join(dir, 'data');
    const lock = await DataFolderLock.acquire(folder);
    const beforeWrite = () => lock.assertHeld();
    const journalFile = path.join(folder, 'evidence', 'test-course.jsonl');
    const journal = await EvidenceJournal.open(journalFile, { courseId: 'test-course', courseVersion: '1.0.0', beforeWrite });
    const events = new RecordingSink();
    const store = await ProgressStore.open({ file: path.join(folder, 'progress.json'), catalog: course, events, saveDelayMs: 1, journal, beforeWrite });
    store.activate('1.2', 'a');
    await store.flush();
    expect(store.get().saveError).toBeUndefined();
    const written = await readJournal(journalFile);
    expect(written.map((entry) => entry.type)).toEqual(['lab-opened', 'step-opened']);

    // The lock file is deleted and a second Labdeck takes the folder: this one must not fork its journal.
    await rm(path.join(folder, 'labdeck.lock'));
    const other = await DataFolderLock.acquire(folder, { pid: 999_999, host: 'other-laptop', isRunning: () => true, now: () => new Date() });
    store.activate('1.2', 'b');
    await store.flush();
    expect(store.get().saveError).toMatch(/^Your progress (was|is) not (being )?saved: .*no longer holds the data folder/);
    expect(events.changes.at(-1)?.saveError).toMatch(/not (being )?saved/);
    expect(await readJournal(journalFile)).toEqual(written);
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await other.release();
    await lock.release();
  });
});
