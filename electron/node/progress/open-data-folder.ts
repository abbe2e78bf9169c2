import type { ClusterAccess } from '../backend/ports.ts';
import { clusterIdentitySource, reportKey } from '../reports/report-key.ts';
import { DataFolderLock } from './data-folder-lock.ts';
import { EvidenceJournal, journalFile } from './evidence-journal.ts';

export interface OpenDataFolder {
  journal: EvidenceJournal;
  /** Throws unless this process still holds the data folder: progress and journal call it before each write. */
  beforeWrite: () => Promise<void>;
  release: () => Promise<void>;
}

/**
 * Opens the attendee's data folder for one course: takes the folder's lock first (a second Labdeck is told
 * where the first one runs), then the evidence journal, signed with the report key and bound to the cluster
 * and the course version. Every later journal append and progress save checks that the lock is still ours.
 */
export async function openDataFolder(options: { dataDir: string; courseId: string; courseVersion: string; cluster: ClusterAccess }): Promise<OpenDataFolder> {
  const lock = await DataFolderLock.acquire(options.dataDir);
  const cluster = clusterIdentitySource(options.cluster);
  try {
    const beforeWrite = () => lock.assertHeld();
    const journal = await EvidenceJournal.open(journalFile(options.dataDir, options.courseId), {
      courseId: options.courseId,
      courseVersion: options.courseVersion,
      key: await reportKey(options.dataDir),
      cluster: cluster.current,
      beforeWrite,
    });
    return {
      journal,
      beforeWrite,
      release: async () => {
        cluster.dispose();
        await lock.release();
      },
    };
  } catch (error) {
    cluster.dispose();
    await lock.release();
    throw error;
  }
}
