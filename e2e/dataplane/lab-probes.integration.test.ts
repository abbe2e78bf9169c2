import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../electron/common/api/labs.ts';
import { evaluateCheck } from '../../electron/node/checks/evaluate-check.ts';
import { dockerTestBlocker, uniqueSuffix } from '../../electron/node/env/test-docker.ts';
import { DataplaneHarness } from './harness.ts';
import { HarnessCheckWorld } from './harness-world.ts';
import { HARNESS_IMAGES } from './images.ts';
import { loadLabProbes } from './lab-probes.ts';
import { planProbe, type LabProbe } from './variants.ts';
import type { World } from './world.ts';
import { workshopWorld } from './workshop-world.ts';

/**
 * Every probe check of every lab (read from labs/ at test time) runs its real command in the data-plane
 * harness and is judged by the product's own evaluator: it must pass in the world where the attendee did the
 * lab right, and fail in every wrong world variants.ts picks for it (wrong targetPort, no endpoints, no
 * NodePort, DNS answering wrongly, ...). One harness serves all of it; wrong worlds are applied in place.
 */

const { docker, reason } = await dockerTestBlocker(HARNESS_IMAGES);
if (reason) console.warn(`[skip] data-plane probe tests: ${reason}`);
const probes = await loadLabProbes();
const right = workshopWorld();
const label = (probe: LabProbe): string => `${probe.labId} ${probe.stepId}/${probe.check.id}`;

/**
 * What each probe's real command printed in each world, for self-test recordings (selftest.yaml `probes:`)
 * to copy instead of inventing outputs. `LABDECK_RECORD_PROBE_OUTCOMES=1` rewrites it; otherwise an outcome
 * recorded for the same probe, world and argv must come out the same again (wrong worlds: the same verdict).
 */
interface RecordedProbeOutcome {
  probe: string;
  world: string;
  argv: string[];
  exitCode: number;
  output: string;
  status: CheckResult['status'];
}
const OUTCOMES_FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/probe-outcomes.json');
const RECORD_OUTCOMES = process.env.LABDECK_RECORD_PROBE_OUTCOMES === '1';
const recordedOutcomes: RecordedProbeOutcome[] = RECORD_OUTCOMES
  ? []
  : ((JSON.parse(await fs.readFile(OUTCOMES_FIXTURE, 'utf8').catch(() => '{"outcomes":[]}')) as { outcomes: RecordedProbeOutcome[] }).outcomes);
const outcomes: RecordedProbeOutcome[] = [];

/**
 * Probes that real tools prove wrong, reported for the lab authors (issue 9) and kept visible here: each entry
 * is run with `it.fails`, so the suite stays green while the defect is there and turns red the moment the
 * lab is fixed, asking for the entry to go. Keyed by "<lab> <step>/<check>" and the wrong world's name.
 */
const KNOWN_PROBE_DEFECTS: Readonly<Record<string, { wrongWorld: RegExp; why: string }[]>> = {};

function knownDefect(probe: LabProbe, wrongWorld: string): string | undefined {
  return KNOWN_PROBE_DEFECTS[label(probe)]?.find((entry) => entry.wrongWorld.test(wrongWorld))?.why;
}

describe.skipIf(reason !== null)('every lab probe against real busybox, DNS, nginx and iptables', () => {
  let harness: DataplaneHarness;

  beforeAll(async () => {
    harness = await DataplaneHarness.start(docker, right, { envName: `dataplane-${uniqueSuffix()}` });
  });

  afterAll(async () => {
    await harness?.stop();
    if (RECORD_OUTCOMES && outcomes.length > 0) {
      const header = {
        $comment:
          'Written by e2e/dataplane/lab-probes.integration.test.ts (LABDECK_RECORD_PROBE_OUTCOMES=1): each lab probe run by real tools in the data-plane harness, ' +
          'in the right world (e2e/dataplane/workshop-world.ts) and in the wrong worlds of e2e/dataplane/variants.ts, with the verdict of the product\'s evaluator.',
        outcomes,
      };
      await fs.mkdir(path.dirname(OUTCOMES_FIXTURE), { recursive: true });
      await fs.writeFile(OUTCOMES_FIXTURE, `${JSON.stringify(header, null, 2)}\n`);
    }
  });

  async function evaluateIn(world: World, probe: LabProbe, worldName: string): Promise<{ result: CheckResult; ran: number }> {
    await harness.apply(world);
    const checkWorld = new HarnessCheckWorld(harness);
    const result = await evaluateCheck(probe.check, checkWorld, { labId: probe.labId, stepId: probe.stepId });
    for (const { argv, outcome } of checkWorld.executed) {
      const entry = { probe: label(probe), world: worldName, argv, exitCode: outcome.exitCode, output: outcome.output, status: result.status };
      outcomes.push(entry);
      const earlier = recordedOutcomes.find((candidate) => candidate.probe === entry.probe && candidate.world === worldName && JSON.stringify(candidate.argv) === JSON.stringify(argv));
      if (!earlier) continue;
      // Wrong worlds are compared by verdict only: their outputs are not always the same from run to run
      // (stdout and stderr of a refused lookup interleave either way; see README for curl's 7 or 28).
      const seen = worldName === 'right' ? { status: entry.status, exitCode: entry.exitCode, output: entry.output } : { status: entry.status };
      const wanted = worldName === 'right' ? { status: earlier.status, exitCode: earlier.exitCode, output: earlier.output } : { status: earlier.status };
      expect(seen, `${entry.probe} in ${worldName} differs from fixtures/probe-outcomes.json`).toEqual(wanted);
    }
    return { result, ran: checkWorld.executed.length };
  }

  const explain = (result: CheckResult): string => `${result.status}: ${result.message}\nevidence: ${JSON.stringify(result.evidence, null, 2)}`;

  it('finds the probes in the lab files', () => {
    expect(probes.length).toBeGreaterThan(10);
  });

  it('lists only known defects of probes and wrong worlds that still exist', () => {
    for (const [key, entries] of Object.entries(KNOWN_PROBE_DEFECTS)) {
      const probe = probes.find((candidate) => label(candidate) === key);
      expect(probe, `${key} is no longer a probe of the course: remove it from KNOWN_PROBE_DEFECTS`).toBeDefined();
      const plan = probe ? planProbe(probe, right) : undefined;
      for (const entry of entries) {
        expect(plan?.kind === 'run' && plan.wrong.some((variant) => entry.wrongWorld.test(variant.name)), `${key}: no wrong world matches ${entry.wrongWorld}`).toBe(true);
      }
    }
  });

  describe('the attendee did it right: every probe passes', () => {
    for (const probe of probes) {
      const plan = planProbe(probe, right);
      it.skipIf(plan.kind === 'skip')(`${label(probe)}${plan.kind === 'skip' ? ` (skipped: ${plan.reason})` : ''}`, async () => {
        const { result, ran } = await evaluateIn(right, probe, 'right');
        expect(ran, 'the probe command ran in a harness container').toBe(1);
        expect(result.status, explain(result)).toBe('passed');
      });
    }
  });

  describe('the cluster answers wrongly: every probe fails', () => {
    for (const probe of probes) {
      const plan = planProbe(probe, right);
      if (plan.kind === 'skip') continue;
      it(`${label(probe)} has at least one wrong world`, () => {
        expect(plan.wrong.map((item) => item.name), `add a rule for this probe to e2e/dataplane/variants.ts planProbe: ${JSON.stringify(probe.check.command)}`).not.toEqual([]);
      });
      for (const variant of plan.wrong) {
        const defect = knownDefect(probe, variant.name);
        const test = defect === undefined ? it : it.fails;
        test(`${label(probe)} fails when ${variant.name}${defect === undefined ? '' : ` [KNOWN LAB DEFECT, passes wrongly: ${defect}]`}`, async () => {
          const { result, ran } = await evaluateIn(variant.make(right), probe, variant.name);
          expect(ran, 'the probe command ran in a harness container').toBe(1);
          expect(result.status, explain(result)).toBe('failed');
        });
      }
    }
  });
});
