import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectObjects } from '../checks/object-filter.ts';
import { evaluateStep, type SelftestEnvironment } from '../checks/selftest.ts';
import type { KubeObject } from '../checks/check-world.ts';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { courseVersion } from '../course-format/lab-schema.ts';
import { loadSelftest, type SelftestWorld } from '../course-format/selftest-schema.ts';
import { EvidenceJournal, journalFile } from '../progress/evidence-journal.ts';
import { exportReport } from './export-report.ts';
import { verifyReport } from './verify-report.ts';

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

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
    const journal = await EvidenceJournal.open(journalFile(dataDir, catalog.courseId), { courseId: catalog.courseId, courseVersion: courseVersion(catalog.course) });
    const environment = new MemoryEnvironment();
    let passes = 0;
    for (const lab of catalog.labs()) {
      const selftest = await loadSelftest(lab.dir);
      for (const fixture of selftest?.steps ?? []) {
        const step = lab.file.steps.find((candidate) => candidate.id === fixture.step);
        if (!step) continue;
        await journal.append({ type: 'step-opened', labId: lab.file.id, stepId: step.id });
        await environment.load(fixture.solution.world);
        for (const result of await evaluateStep(lab, step.id, step.checks, environment, fixture.solution.world)) {
          if (result.status !== 'passed' || step.checks.find((check) => check.id === result.checkId)?.context) continue;
          // What CheckEvidence.record journals for a first pass.
          await journal.append({ type: 'check-passed', labId: lab.file.id, stepId: step.id, checkId: result.checkId, evidence: result.evidence ?? { message: result.message } });
          passes++;
        }
      }
    }
    const exported = await exportReport({ catalog, dataDir, cluster: { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined }, labdeckVersion: 'test', attendee: 'Grace' });
    const result = await verifyReport(exported.json, { course: catalog });
    expect(result.findings).toEqual([]);
    expect(passes).toBeGreaterThan(40);
    // Every pass is either confirmed on its evidence or honestly "not judgeable" (live references, deletions).
    expect(result.reevaluated.confirmed + result.reevaluated.notJudgeable).toBe(passes);
    // Probes whose commands name live objects, and deletions witnessed live, are all that is left unjudged.
    expect(result.reevaluated.notJudgeable).toBeLessThanOrEqual(passes / 10);
  });
});
