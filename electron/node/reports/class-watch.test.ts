import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassProgressSchema, type ClassProgress } from '../../common/api/classroom.ts';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { attendeeJournal, noCluster } from './attendee.test-support.ts';
import { ClassWatch, gradeFiles, gradeFolder } from './class-watch.ts';
import { exportReport } from './export-report.ts';

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');
const ran = (command: string) => ({ matched: { command, exitCode: 0, time: '2026-11-29T10:00:00.000Z' } });

let work: string;
let catalog: LabCatalog;

/** A report exported by the app from a real evidence journal in which the attendee ran `kubectl get nodes`. */
async function reportOf(name: string): Promise<string> {
  const dataDir = path.join(work, 'attendees', name);
  const journal = await attendeeJournal(dataDir, { id: 'k8s-networking', version: '1.0.0' });
  await journal.append({ type: 'lab-opened', labId: '1.1', time: '2026-11-29T10:00:00.000Z' });
  await journal.append({ type: 'step-opened', labId: '1.1', stepId: 'get-nodes', time: '2026-11-29T10:01:00.000Z' });
  await journal.append({ type: 'check-passed', labId: '1.1', stepId: 'get-nodes', checkId: 'ran-get-nodes', evidence: ran('kubectl get nodes'), time: '2026-11-29T10:02:00.000Z' });
  return (await exportReport({ catalog, dataDir, cluster: noCluster, labdeckVersion: 'test', attendee: name, now: new Date('2026-11-29T12:00:00Z') })).json;
}

describe('the class progress view (presenter mode)', () => {
  beforeAll(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-class-'));
    catalog = await LabCatalog.load(LABS);
  });
  afterAll(async () => {
    await fsp.rm(work, { recursive: true, force: true });
  });

  it('grades reports the page read from a dropped folder (browser shell), the same way as a folder on disk', async () => {
    const ada = await reportOf('ada');
    const dropped = await gradeFiles('class-3', [
      { name: 'ada.labdeck-report.json', text: ada },
      { name: 'notes.txt', text: 'not a report' },
    ]);
    expect(ClassProgressSchema.parse(dropped)).toBeTruthy();
    expect(dropped.dir).toBe('class-3');
    expect(dropped.rows.map((row) => [row.attendee, row.flags])).toEqual([['ada', []]]);
    expect(dropped.rows[0]?.labs['1.1']).toBeGreaterThan(0);
  });

  it('grades the reports in a folder per attendee and lab, flags an edited one, and follows the folder as reports arrive', async () => {
    const dir = path.join(work, 'dropbox');
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(path.join(dir, 'alice.json'), await reportOf('Alice'));
    const edited = JSON.parse(await reportOf('Bob')) as { attendee: string };
    edited.attendee = 'Bob the Builder';
    await fsp.writeFile(path.join(dir, 'bob.json'), JSON.stringify(edited));
    await fsp.writeFile(path.join(dir, 'notes.json'), '{ not json');

    const first = ClassProgressSchema.parse(await gradeFolder(dir));
    const byFile = Object.fromEntries(first.rows.map((row) => [row.file, row]));
    expect(Object.keys(byFile).sort()).toEqual(['alice.json', 'bob.json', 'notes.json']);
    expect(byFile['alice.json']).toMatchObject({ attendee: 'Alice', flags: [] });
    // An edited report is flagged invalid; a file that is no report at all, unreadable.
    expect(byFile['bob.json']!.flags).toContain('invalid');
    expect(byFile['notes.json']!.flags).toEqual(['unreadable']);
    const alice = byFile['alice.json']!;
    expect(alice.labs['1.1']).toBeGreaterThan(0);
    expect(alice.labs['1.1']).toBeLessThan(1);

    const watch = new ClassWatch({ debounceMs: 50 });
    const changes: ClassProgress[] = [];
    const shown = await watch.watch(dir, (table) => changes.push(table), (error) => {
      throw error;
    });
    expect(shown.rows).toHaveLength(3);
    await fsp.writeFile(path.join(dir, 'carol.json'), await reportOf('Carol'));
    await expect.poll(() => changes.at(-1)?.rows.map((row) => row.file) ?? [], { timeout: 5000 }).toContain('carol.json');
    expect(watch.stop()).toBe(true);
  });

  it('says which folder it cannot read and what to do', async () => {
    await expect(gradeFolder(path.join(work, 'nowhere'))).rejects.toMatchObject({ message: expect.stringMatching(/Cannot read the folder/), action: expect.stringMatching(/reports/) });
  });
});
