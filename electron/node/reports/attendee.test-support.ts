import { createHash } from 'node:crypto';
import path from 'node:path';
import type { KubeObject } from '../checks/check-world.ts';
import { selectObjects } from '../checks/object-filter.ts';
import { evaluateStep, type SelftestEnvironment } from '../checks/selftest.ts';
import { loadSelftest, type SelftestWorld } from '../course-format/selftest-schema.ts';
import type { LabCatalog } from '../labs/lab-catalog.ts';
import { EvidenceJournal, journalFile } from '../progress/evidence-journal.ts';
import { reportKey } from './report-key.ts';

/** A cluster access without a cluster (the report then names none; the journal's entries still name theirs). */
export const noCluster = { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined };

/** A stand-in CA fingerprint, one per attendee's cluster. */
export function clusterOf(name: string): string {
  return createHash('sha256').update(`the cluster of ${name}`).digest('hex');
}

/** The journal the app keeps in an attendee's data folder: signed with their report key, bound to their cluster. */
export async function attendeeJournal(dataDir: string, course: { id: string; version: string }, options: { attendee?: string; cluster?: string } = {}): Promise<EvidenceJournal> {
  const attendee = options.attendee ?? path.basename(dataDir);
  return EvidenceJournal.open(journalFile(dataDir, course.id), {
    courseId: course.id,
    courseVersion: course.version,
    key: await reportKey(dataDir, attendee),
    cluster: () => options.cluster ?? clusterOf(attendee),
  });
}

/** The self-test's recorded worlds, held in memory: enough to produce the evidence the engine would journal. */
class MemoryEnvironment implements SelftestEnvironment {
  #objects: KubeObject[] = [];
  async load(world: SelftestWorld): Promise<void> {
    this.#objects = world.objects;
  }
  async listObjects(selector: Parameters<SelftestEnvironment['listObjects']>[0]): Promise<KubeObject[]> {
    return selectObjects(this.#objects, selector);
  }
}

/**
 * Journals the whole course done right: each step opened, and each non-context check's pass with the evidence
 * the engine records, judged in the self-test's solution world of that step. Returns the number of passes.
 */
export async function journalWholeCourse(
  journal: EvidenceJournal,
  catalog: LabCatalog,
  options: { uidPrefix?: string; labs?: readonly string[]; time?: () => string; withoutPasses?: { labId: string; stepId: string } } = {},
): Promise<number> {
  const at = () => (options.time ? { time: options.time() } : {});
  const environment = new MemoryEnvironment();
  let passes = 0;
  for (const lab of catalog.labs()) {
    if (options.labs && !options.labs.includes(lab.file.id)) continue;
    const selftest = await loadSelftest(lab.dir);
    for (const fixture of selftest?.steps ?? []) {
      const step = lab.file.steps.find((candidate) => candidate.id === fixture.step);
      if (!step) continue;
      await journal.append({ type: 'step-opened', labId: lab.file.id, stepId: step.id, ...at() });
      if (options.withoutPasses?.labId === lab.file.id && options.withoutPasses.stepId === step.id) continue;
      // Each attendee's cluster makes its own uids.
      const objects = options.uidPrefix ? fixture.solution.world.objects.map((object) => ({ ...object, metadata: { ...object.metadata, uid: `${options.uidPrefix}-${object.metadata.uid ?? object.metadata.name}` } })) : fixture.solution.world.objects;
      const world = { ...fixture.solution.world, objects };
      await environment.load(world);
      for (const result of await evaluateStep(lab, step.id, step.checks, environment, world)) {
        if (result.status !== 'passed' || step.checks.find((check) => check.id === result.checkId)?.context) continue;
        // What CheckEvidence.record journals for a first pass.
        await journal.append({ type: 'check-passed', labId: lab.file.id, stepId: step.id, checkId: result.checkId, evidence: result.evidence ?? { message: result.message }, ...at() });
        passes++;
      }
    }
  }
  return passes;
}
