import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { LoadedLab } from '../labs/lab-catalog.ts';
import type { LabSelftest, SelftestWorld } from '../course-format/selftest-schema.ts';
import type { ObjectSelector } from '../course-format/check-spec.ts';
import type { KubeObject } from './check-world.ts';
import { InformerCache } from './informer-cache.ts';
import { selectObjects } from './object-filter.ts';
import { evaluateStep, labKinds, type ScenarioOutcome, type SelftestEnvironment } from './selftest.ts';

const FIELD_MANAGER = 'labdeck-selftest';

/**
 * `labdeck selftest --live`: the self-test's solution worlds applied to a real cluster with server-side
 * apply, then judged as the engine judges them (informers, re-evaluated on each change) until every check of
 * the step passes or the time is up. Real controllers fill in status, so objects they own (pods of a
 * Deployment, Endpoints) and cluster fixtures (nodes, kube-system) are left to the cluster; recorded
 * `before` and distractor worlds describe states controllers would not hold still, so only solutions run live.
 */
export class LiveSelftestEnvironment implements SelftestEnvironment {
  readonly #api: KubernetesObjectApi;
  readonly #informers: InformerCache;
  readonly #applied = new Map<string, KubernetesObject>();
  #changed: (() => void) | undefined;

  private constructor(kubeConfig: KubeConfig) {
    this.#api = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.#informers = new InformerCache(kubeConfig, () => this.#changed?.());
  }

  static async start(kubeConfig: KubeConfig, lab: LoadedLab): Promise<LiveSelftestEnvironment> {
    const environment = new LiveSelftestEnvironment(kubeConfig);
    await environment.#informers.watch(labKinds(lab));
    return environment;
  }

  async load(world: SelftestWorld): Promise<void> {
    const wanted = world.objects.filter(isAppliedByUs);
    const keys = new Set(wanted.map(keyOf));
    for (const [key, object] of [...this.#applied].reverse()) {
      if (keys.has(key)) continue;
      await this.#api.delete(object).catch((error: { code?: number }) => {
        if (error.code !== 404) throw error;
      });
      this.#applied.delete(key);
    }
    // Namespaces first, so namespaced objects have somewhere to go.
    for (const object of [...wanted].sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'))) {
      const applied = toApplyConfiguration(object);
      await this.#api.patch(applied, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      this.#applied.set(keyOf(object), applied);
    }
  }

  async listObjects(selector: ObjectSelector): Promise<KubeObject[]> {
    const cached = this.#informers.list(selector.apiVersion, selector.kind);
    if (cached.objects === undefined) throw new Error(cached.reason);
    return selectObjects(cached.objects, selector);
  }

  /** Resolves on the next object change or after timeoutMs, whichever comes first. */
  nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#changed = done;
    });
  }

  /** Deletes everything the self-test applied. */
  async dispose(): Promise<void> {
    await this.load({ objects: [], commands: [], probes: [], http: [] });
    await this.#informers.stop();
  }
}

function isAppliedByUs(object: KubeObject): boolean {
  if (object.kind === 'Node' || object.kind === 'Endpoints' || object.kind === 'EndpointSlice' || object.kind === 'ReplicaSet') return false;
  if (object.metadata.namespace === 'kube-system' || (object.kind === 'Namespace' && ['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(object.metadata.name))) return false;
  const owners = object.metadata.ownerReferences;
  return !(Array.isArray(owners) && owners.length > 0);
}

function keyOf(object: KubeObject): string {
  return `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** What the attendee would have applied: spec and labels, without status or server-owned metadata. */
function toApplyConfiguration(object: KubeObject): KubernetesObject {
  const { status: _status, metadata, ...rest } = object;
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _created, generation: _generation, managedFields: _managed, ...kept } = metadata as KubeObject['metadata'] & Record<string, unknown>;
  const spec = rest.spec as Record<string, unknown> | undefined;
  // A recorded Service carries the clusterIP the recording cluster assigned; a live cluster assigns its own.
  if (object.kind === 'Service' && spec) {
    const { clusterIP: _ip, clusterIPs: _ips, ...specRest } = spec;
    return { ...rest, spec: specRest, metadata: kept } as KubernetesObject;
  }
  return { ...rest, metadata: kept } as KubernetesObject;
}

/**
 * The recording's commands typed against the live cluster: a live cluster hands out its own pod and Service
 * addresses, so every recorded address (and a pod's dashed DNS form of it) in a command line is replaced by
 * the address the same object has now. An object that has no address yet keeps the recorded one.
 */
export async function withLiveAddresses(world: SelftestWorld, environment: Pick<LiveSelftestEnvironment, 'listObjects'>): Promise<SelftestWorld> {
  const replacements = new Map<string, string>();
  for (const recorded of world.objects) {
    const field = recorded.kind === 'Pod' ? addressOf(recorded, ['status', 'podIP']) : recorded.kind === 'Service' ? addressOf(recorded, ['spec', 'clusterIP']) : undefined;
    if (!field) continue;
    const [live] = await environment
      .listObjects({ apiVersion: recorded.apiVersion, kind: recorded.kind, name: recorded.metadata.name, ...(recorded.metadata.namespace ? { namespace: recorded.metadata.namespace } : {}) })
      .catch(() => []);
    const now = live && (recorded.kind === 'Pod' ? addressOf(live, ['status', 'podIP']) : addressOf(live, ['spec', 'clusterIP']));
    if (!now || now === field) continue;
    replacements.set(field, now);
    replacements.set(field.replaceAll('.', '-'), now.replaceAll('.', '-'));
  }
  if (replacements.size === 0) return world;
  // Longest first, so 10.244.1.15 is never rewritten through 10.244.1.1.
  const keys = [...replacements.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`(?<![\\d.-])(${keys.map((key) => key.replaceAll('.', '\\.')).join('|')})(?![\\d])`, 'g');
  const rewrite = (text: string) => text.replace(pattern, (match) => replacements.get(match) ?? match);
  return { ...world, commands: world.commands.map((record) => ({ ...record, command: rewrite(record.command) })) };
}

function addressOf(object: KubeObject, path: [string, string]): string | undefined {
  const section = (object as Record<string, unknown>)[path[0]] as Record<string, unknown> | undefined;
  const value = section?.[path[1]];
  return typeof value === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(value) ? value : undefined;
}

/** Applies each step's solution and waits (event-driven) for all its checks to pass. */
export async function runLiveSelftest(lab: LoadedLab, selftest: LabSelftest, environment: LiveSelftestEnvironment, timeoutMs: number): Promise<ScenarioOutcome[]> {
  const outcomes: ScenarioOutcome[] = [];
  for (const fixture of selftest.steps) {
    const step = lab.file.steps.find((candidate) => candidate.id === fixture.step);
    if (!step) continue;
    await environment.load(fixture.solution.world);
    const deadline = Date.now() + timeoutMs;
    const judge = async () => evaluateStep(lab, step.id, step.checks, environment, await withLiveAddresses(fixture.solution.world, environment), { verifyArgv: false });
    let results = await judge();
    while (results.some((result) => result.status !== 'passed') && Date.now() < deadline) {
      await environment.nextChange(deadline - Date.now());
      results = await judge();
    }
    outcomes.push({
      lab: lab.file.id,
      step: step.id,
      scenario: 'solution',
      results,
      problems: results.filter((result) => result.status !== 'passed').map((result) => `check ${result.checkId} did not pass within ${Math.round(timeoutMs / 1000)}s (${result.status}: ${result.message})`),
    });
  }
  return outcomes;
}
