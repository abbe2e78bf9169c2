import type { KubeConfig } from '@kubernetes/client-node';
import type { CheckResult } from '../../common/api/labs.ts';
import type { LoadedLab } from '../labs/lab-catalog.ts';
import type { LabSelftest, SelftestWorld, StepSelftest } from '../course-format/selftest-schema.ts';
import type { CheckSpec, ObjectSelector } from '../course-format/check-spec.ts';
import type { CheckWorld, KubeObject, ProbeOutcome } from './check-world.ts';
import { evaluateCheck } from './evaluate-check.ts';
import { probeReferencedKinds } from './evaluate-probe.ts';
import type { InformerCache, WatchedKind } from './informer-cache.ts';
import { kindKey } from './kind-key.ts';
import { selectObjects } from './object-filter.ts';

/**
 * The lab self-test runner: for every step, the `before` world must fail its checks, the `solution` world
 * must pass them all, and each distractor must fail with a message naming the difference. Objects go through
 * a real cluster API (the Kubernetes API test double in `npm test`, a live cluster for `labdeck selftest
 * --live`) and are read back through client-node informers, as the engine reads them; commands, probe
 * outputs and HTTP answers come from the recordings in selftest.yaml.
 */

export interface SelftestEnvironment {
  /** Puts the world's objects in the cluster and resolves once `listObjects` reflects them. */
  load(world: SelftestWorld): Promise<void>;
  listObjects(selector: ObjectSelector): Promise<KubeObject[]>;
}

export type ScenarioName = 'before' | 'solution' | `distractor "${string}"`;

export interface ScenarioOutcome {
  lab: string;
  step: string;
  scenario: ScenarioName;
  /** What went wrong; empty when the scenario behaved as the fixture says. */
  problems: string[];
  results: CheckResult[];
}

/** The kinds a lab's checks read (resource selections and probe references): what informers must watch. */
export function labKinds(lab: LoadedLab): WatchedKind[] {
  const kinds = new Map<string, WatchedKind>();
  for (const step of lab.file.steps) {
    for (const check of step.checks) {
      if (check.kind === 'resource') kinds.set(kindKey(check.select.apiVersion, check.select.kind), { apiVersion: check.select.apiVersion, kind: check.select.kind });
      if (check.kind === 'probe') for (const kind of probeReferencedKinds(check)) kinds.set(kindKey(kind.apiVersion, kind.kind), kind);
    }
  }
  return [...kinds.values()];
}

/**
 * A CheckWorld for one check: live objects from the environment, everything else from the recording.
 * `verifyArgv: false` skips comparing resolved probe arguments with the recording (a live cluster hands out
 * other IP addresses than the recorded one).
 */
export function recordedWorld(environment: SelftestEnvironment, world: SelftestWorld, checkId: string, options: { verifyArgv?: boolean } = {}): CheckWorld {
  return {
    listObjects: (selector) => environment.listObjects(selector),
    commandRecords: async () => world.commands,
    runProbe: async (_target, argv): Promise<ProbeOutcome> => {
      const recorded = world.probes.find((probe) => probe.check === checkId);
      if (!recorded) throw new Error(`selftest.yaml records no outcome for probe ${checkId} in this world`);
      if (options.verifyArgv !== false && recorded.argv && JSON.stringify(recorded.argv) !== JSON.stringify(argv)) {
        throw new Error(`the probe resolved to ${JSON.stringify(argv)}, but selftest.yaml recorded ${JSON.stringify(recorded.argv)}`);
      }
      return recorded.outcome;
    },
    httpGet: async (nodePort, path) => {
      const recorded = world.http.find((entry) => entry.nodePort === nodePort && entry.path === path);
      if (!recorded) throw new Error(`connect ECONNREFUSED (nothing recorded for nodePort ${nodePort}${path})`);
      return { status: recorded.status, body: recorded.body };
    },
  };
}

export async function evaluateStep(
  lab: LoadedLab,
  stepId: string,
  checks: readonly CheckSpec[],
  environment: SelftestEnvironment,
  world: SelftestWorld,
  options: { verifyArgv?: boolean } = {},
): Promise<CheckResult[]> {
  const hints = lab.file.steps.find((step) => step.id === stepId)?.hints ?? [];
  const results: CheckResult[] = [];
  for (const check of checks) results.push(await evaluateCheck(check, recordedWorld(environment, world, check.id, options), { labId: lab.file.id, stepId, hints }));
  return results;
}

const describe = (result: CheckResult | undefined) => (result ? `${result.status}: ${result.message}` : 'not evaluated');

/** Runs the three kinds of scenario of one step; each outcome lists its problems (none when it behaved). */
export async function runStepSelftest(lab: LoadedLab, fixture: StepSelftest, environment: SelftestEnvironment): Promise<ScenarioOutcome[]> {
  const step = lab.file.steps.find((candidate) => candidate.id === fixture.step);
  const base = { lab: lab.file.id, step: fixture.step };
  if (!step) return [{ ...base, scenario: 'solution', problems: [`lab ${lab.file.id} has no step "${fixture.step}"`], results: [] }];
  const outcomes: ScenarioOutcome[] = [];
  const byId = (results: CheckResult[], id: string) => results.find((result) => result.checkId === id);

  await environment.load(fixture.before.world);
  const before = await evaluateStep(lab, step.id, step.checks, environment, fixture.before.world);
  const mustFail = fixture.before.failing ?? step.checks.map((check) => check.id);
  outcomes.push({
    ...base,
    scenario: 'before',
    results: before,
    problems: mustFail.flatMap((id) => {
      const result = byId(before, id);
      return result?.status === 'passed' || !result ? [`check ${id} should not pass before the step (${describe(result)})`] : [];
    }),
  });

  await environment.load(fixture.solution.world);
  const solution = await evaluateStep(lab, step.id, step.checks, environment, fixture.solution.world);
  outcomes.push({
    ...base,
    scenario: 'solution',
    results: solution,
    problems: solution.filter((result) => result.status !== 'passed').map((result) => `check ${result.checkId} should pass with the solution (${describe(result)})`),
  });

  for (const distractor of fixture.distractors) {
    await environment.load(distractor.world);
    const results = await evaluateStep(lab, step.id, step.checks, environment, distractor.world);
    const problems: string[] = [];
    for (const expectation of distractor.expect) {
      const result = byId(results, expectation.check);
      if (!result) problems.push(`step ${step.id} has no check ${expectation.check}`);
      else if (result.status !== 'failed') problems.push(`check ${expectation.check} should fail (${describe(result)})`);
      else {
        const missing = expectation.mentions.filter((text) => !result.message.includes(text));
        if (missing.length > 0) problems.push(`check ${expectation.check} failed with "${result.message}", which does not mention ${missing.map((text) => `"${text}"`).join(', ')}`);
      }
    }
    outcomes.push({ ...base, scenario: `distractor "${distractor.name}"`, results, problems });
  }
  return outcomes;
}

export async function runLabSelftest(lab: LoadedLab, selftest: LabSelftest, environment: SelftestEnvironment): Promise<ScenarioOutcome[]> {
  const outcomes: ScenarioOutcome[] = [];
  for (const step of selftest.steps) outcomes.push(...(await runStepSelftest(lab, step, environment)));
  return outcomes;
}

/** One line per scenario, for the CLI and for test failure messages. */
export function formatOutcomes(outcomes: readonly ScenarioOutcome[]): string {
  return outcomes
    .map((outcome) => {
      const head = `${outcome.problems.length === 0 ? 'ok  ' : 'FAIL'} ${outcome.lab} ${outcome.step} ${outcome.scenario}`;
      return [head, ...outcome.problems.map((problem) => `       ${problem}`)].join('\n');
    })
    .join('\n');
}

/**
 * Objects read through informers, the way the engine reads them. `load` hands the world to `put` (which
 * returns the stored objects with their resourceVersions) and waits until every watched kind's informer has
 * caught up with exactly those versions.
 */
export class InformerSelftestEnvironment implements SelftestEnvironment {
  readonly #informers: InformerCache;
  readonly #kinds: WatchedKind[];
  readonly #put: (objects: KubeObject[]) => Promise<KubeObject[]>;
  #waiters = new Set<() => void>();

  private constructor(Informers: typeof InformerCache, kubeConfig: KubeConfig, kinds: WatchedKind[], put: (objects: KubeObject[]) => Promise<KubeObject[]>) {
    this.#kinds = kinds;
    this.#put = put;
    this.#informers = new Informers(kubeConfig, () => {
      for (const waiter of this.#waiters) waiter();
    });
  }

  static async start(kubeConfig: KubeConfig, kinds: WatchedKind[], put: (objects: KubeObject[]) => Promise<KubeObject[]>): Promise<InformerSelftestEnvironment> {
    // Imported here, not at the top: it loads client-node (seconds), and `labdeck grade` imports this module
    // for labKinds alone.
    const { InformerCache } = await import('./informer-cache.ts');
    const environment = new InformerSelftestEnvironment(InformerCache, kubeConfig, kinds, put);
    await environment.#informers.watch(kinds);
    return environment;
  }

  async load(world: SelftestWorld): Promise<void> {
    const stored = await this.#put(world.objects);
    const expected = new Map<string, Set<string>>();
    for (const kind of this.#kinds) expected.set(kindKey(kind.apiVersion, kind.kind), new Set());
    for (const object of stored) expected.get(kindKey(object.apiVersion, object.kind))?.add(versionOf(object));
    const inSync = () =>
      this.#kinds.every((kind) => {
        const cached = this.#informers.list(kind.apiVersion, kind.kind).objects;
        const want = expected.get(kindKey(kind.apiVersion, kind.kind)) ?? new Set();
        return cached !== undefined && cached.length === want.size && cached.every((object) => want.has(versionOf(object)));
      });
    if (inSync()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error('the informers did not catch up with the self-test world within 10s'));
      }, 10_000);
      const check = () => {
        if (!inSync()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }

  async listObjects(selector: ObjectSelector): Promise<KubeObject[]> {
    const cached = this.#informers.list(selector.apiVersion, selector.kind);
    if (cached.objects === undefined) throw new Error(`the self-test does not watch ${selector.kind}: ${cached.reason}`);
    return selectObjects(cached.objects, selector);
  }

  async dispose(): Promise<void> {
    await this.#informers.stop();
  }
}

function versionOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}@${String(object.metadata.resourceVersion ?? '')}`;
}
