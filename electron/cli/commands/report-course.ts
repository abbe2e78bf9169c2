import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LabCatalog } from '../../node/labs/lab-catalog.ts';
import { openPack } from '../../node/course-pack/open-pack.ts';
import { TrustStore } from '../../node/course-pack/trust-store.ts';

/**
 * The grader's course for verify-report and grade-reports: a course folder, or a pack (verified: every hash
 * and a valid signature; the grader named the file, so its publisher is shown rather than asked about).
 */
export async function loadGraderCourse(source: string, log: (line: string) => void): Promise<{ catalog: LabCatalog; dispose: () => Promise<void> }> {
  const stat = await fsp.stat(source);
  if (stat.isDirectory()) return { catalog: await LabCatalog.load(source), dispose: async () => undefined };
  const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-grader-course-'));
  try {
    const opened = await openPack(source, { dataDir: scratch, trustStore: new TrustStore(scratch), confirmTrust: async () => true });
    log(`course from pack ${source}, signed by ${opened.publisher.name} (${opened.publisher.fingerprint})`);
    return { catalog: await LabCatalog.load(opened.courseDir), dispose: () => fsp.rm(scratch, { recursive: true, force: true }) };
  } catch (error) {
    await fsp.rm(scratch, { recursive: true, force: true });
    throw error;
  }
}
