import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDoubleSelftestEnvironment } from '../e2e/support/double-selftest-environment.ts';
import { formatOutcomes, labKinds, runStepSelftest } from '../electron/node/checks/selftest.ts';
import { LabCatalog } from '../electron/node/labs/lab-catalog.ts';
import { loadSelftest } from '../electron/node/course-format/selftest-schema.ts';

// Every step of every lab, against the Kubernetes API test double: the state before the step fails its checks,
// the solution passes them, and each distractor fails with a message naming what is wrong.

const LABS_DIR = path.dirname(fileURLToPath(import.meta.url));
const catalog = await LabCatalog.load(LABS_DIR);

for (const lab of catalog.labs()) {
  const selftest = await loadSelftest(lab.dir);
  describe(`lab ${lab.file.id} ${lab.file.title}`, () => {
    let started: Awaited<ReturnType<typeof startDoubleSelftestEnvironment>>;
    beforeAll(async () => {
      started = await startDoubleSelftestEnvironment(labKinds(lab));
    });
    afterAll(async () => {
      await started?.stop();
    });

    it('has a self-test for every step', () => {
      expect(selftest?.steps.map((step) => step.step)).toEqual(lab.file.steps.map((step) => step.id));
    });

    for (const step of selftest?.steps ?? []) {
      it(`step ${step.step}: before fails, solution passes, ${step.distractors.length} distractor(s) rejected`, async () => {
        const outcomes = await runStepSelftest(lab, step, started.environment);
        const failing = outcomes.filter((outcome) => outcome.problems.length > 0);
        expect(failing, formatOutcomes(failing)).toEqual([]);
        expect(outcomes.map((outcome) => outcome.scenario)).toEqual(['before', 'solution', ...step.distractors.map((distractor) => `distractor "${distractor.name}"`)]);
      });
    }
  });
}
