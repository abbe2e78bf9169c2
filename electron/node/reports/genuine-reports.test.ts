import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { courseVersion } from '../course-format/lab-schema.ts';
import { attendeeJournal, journalWholeCourse, noCluster } from './attendee.test-support.ts';
import { exportReport } from './export-report.ts';
import { verifyReport } from './verify-report.ts';

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

describe('a genuine report of the whole course', () => {
  let work: string;
  beforeAll(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-genuine-report-'));
  });
  afterAll(async () => {
    await fsp.rm(work, { recursive: true, force: true });
  });

  it('verifies, with every pass of every lab re-run on its own evidence and none refused', async () => {
    const catalog = await LabCatalog.load(LABS);
    const dataDir = path.join(work, 'attendee');
    const journal = await attendeeJournal(dataDir, { id: catalog.courseId, version: courseVersion(catalog.course) }, { attendee: 'Grace' });
    const passes = await journalWholeCourse(journal, catalog);
    const exported = await exportReport({ catalog, dataDir, cluster: noCluster, labdeckVersion: 'test', attendee: 'Grace' });
    const result = await verifyReport(exported.json, { course: catalog });
    expect(result.findings).toEqual([]);
    expect(passes).toBeGreaterThan(40);
    // Every pass is either confirmed on its evidence or honestly "not judgeable" (live references).
    expect(result.reevaluated.confirmed + result.reevaluated.notJudgeable).toBe(passes);
    // Probes whose commands name live objects are all that is left unjudged, below the limit that flags a report.
    expect(result.reevaluated.notJudgeable).toBeLessThanOrEqual(passes / 10);
  });
});
