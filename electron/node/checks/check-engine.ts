import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { EventSink } from '../../common/api/contract.ts';
import type { CheckResult, ObjectRef } from '../../common/api/labs.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ClusterAccess, CommandLog, LabContainers } from '../backend/ports.ts';
import type { LabCatalog, LoadedLab } from '../labs/lab-catalog.ts';
import type { EvidenceJournal } from '../progress/evidence-journal.ts';
import type { CheckSpec, ObjectSelector } from '../course-format/check-spec.ts';
import { CheckEvidence } from './check-evidence.ts';
import type { CheckWorld, EvaluateCheck } from './check-world.ts';
import { commandsSince } from './commands-since.ts';
import { deletesSelection } from './delete-witness.ts';
import { isGoneCheck } from './gone-checks.ts';
import { evaluateCheck, toResult } from './evaluate-check.ts';
import { commandReferencedKinds } from './evaluate-command.ts';
import { probeReferencedKinds } from './evaluate-probe.ts';
import { InformerCache, type ObjectChange, type WatchedKind } from './informer-cache.ts';
import { kindKey } from './kube-objects.ts';
import { ENVIRONMENT_NOT_RUNNING, LiveWorld } from './live-world.ts';
import { describeSelection } from './verdict.ts';

export interface CheckEngineOptions {
  catalog: LabCatalog;
  cluster: ClusterAccess;
  containers: LabContainers;
  commandLog: CommandLog;
  events: EventSink;
  onResult(result: CheckResult): void;
  /** Quiet time after an API event before affected checks are evaluated (a rollout sends bursts). */
  debounceMs?: number;
  /** Delays between re-runs of a failing probe; after the last one it waits for a related change. */
  probeBackoffMs?: readonly number[];
  /** Replaces the evaluator (tests count evaluations through it). */
  evaluate?: EvaluateCheck;
  /**
   * The attendee's evidence journal: first passes and regressions of non-context checks are written to it
   * before they are shown, and step openings and once-mode passes are restored from it after a restart.
   */
  journal?: EvidenceJournal;
  /** When the attendee's current progress in a lab began; older journal entries were reset away. */
  progressStartedAt?: (labId: string) => string | undefined;
}

interface TrackedCheck {
  key: string;
  labId: string;
  stepId: string;
  check: CheckSpec;
  hints: ReadonlyArray<{ text: string; forCheck?: string | undefined }>;
  /** An "is gone" check (see gone-checks.ts): it passes only with a witness of the object leaving. */
  needsWitness: boolean;
}

interface ProbeRun {
  attempt: number;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  rerun: boolean;
}

const DEFAULT_DEBOUNCE_MS = 150;
const DEFAULT_PROBE_BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 30_000];
const NOT_ACTIVE = 'Checked while this step is the active one';
const NOT_OPEN = 'Checked while this lab is open';
const NOT_OPENED = 'Checked once you open this step: only what you do from then on counts';

const checkKey = (labId: string, stepId: string, checkId: string) => `${labId}/${stepId}/${checkId}`;
const isProbeLike = (check: CheckSpec) => check.kind === 'probe' || check.kind === 'http';

/**
 * Keeps the checks of the open lab up to date, driven by events only: informers on exactly the kinds the lab
 * references, the jumphost's command record, and (for the active step) probes re-run with backoff. An API
 * event re-evaluates only the checks it can affect, after a short debounce; when nothing changes, nothing
 * runs. A `checks.result` event goes out only when a verdict or its message changes.
 */
export class CheckEngine {
  readonly #options: CheckEngineOptions;
  readonly #evaluate: EvaluateCheck;
  readonly #debounceMs: number;
  readonly #backoff: readonly number[];
  readonly #results = new Map<string, CheckResult>();
  readonly #evidence: CheckEvidence;
  /** "Is gone" checks whose object was seen while their step was open (lab/step/check keys). */
  readonly #seenPresent = new Set<string>();

  #active: { labId: string; stepId: string } | undefined;
  #tracked = new Map<string, TrackedCheck>();
  /** Resource checks by the kind they select; probe/http checks by the kinds their arguments reference. */
  #byKind = new Map<string, TrackedCheck[]>();
  #probesByKind = new Map<string, TrackedCheck[]>();
  #pending = new Set<string>();
  #debounce: NodeJS.Timeout | undefined;
  #probeRuns = new Map<string, ProbeRun>();

  #kubeConfig: KubeConfig | undefined;
  #informers: InformerCache | undefined;
  #world: LiveWorld;
  #connecting: Promise<void> | undefined;
  #connectGeneration = 0;
  #unsubscribeCluster: (() => void) | undefined;
  #unsubscribeCommands: (() => void) | undefined;
  #disposed = false;

  constructor(options: CheckEngineOptions) {
    this.#options = options;
    this.#evaluate = options.evaluate ?? evaluateCheck;
    this.#debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.#backoff = options.probeBackoffMs ?? DEFAULT_PROBE_BACKOFF_MS;
    this.#evidence = new CheckEvidence(options.journal, options.progressStartedAt);
    this.#world = this.#makeWorld();
  }

  /** Makes a step the active one; resolves with the lab's results once its object and command checks ran. */
  async activate(labId: string, stepId: string, openedAt: Date = new Date()): Promise<CheckResult[]> {
    this.#assertLive();
    const lab = this.#options.catalog.requireLab(labId);
    this.#options.catalog.requireStep(labId, stepId);
    const labChanged = this.#active?.labId !== labId;
    const previousStep = this.#active?.stepId;
    this.#active = { labId, stepId };
    this.#evidence.opened(labId, stepId, openedAt);
    this.#subscribe();
    if (labChanged) {
      this.#track(lab);
      this.#restoreFromJournal();
      await this.#connect();
      // Only steps the attendee has opened are judged: nothing completes by opening the lab.
      await this.#evaluateNow([...this.#tracked.values()].filter((tracked) => !isProbeLike(tracked.check)));
    } else if (previousStep !== stepId) {
      await this.#evaluateNow([...this.#tracked.values()].filter((tracked) => tracked.stepId === stepId && !isProbeLike(tracked.check)));
    }
    if (labChanged || previousStep !== stepId) this.#restartProbes();
    return this.results(labId);
  }

  /**
   * Forgets a lab's (or every lab's) verdicts and openings after a progress reset, so its steps are earned
   * again from what the attendee does next; the step open right now counts as opened now.
   */
  async forget(labId?: string): Promise<void> {
    this.#evidence.forget(labId);
    for (const key of [...this.#seenPresent]) if (labId === undefined || key.startsWith(`${labId}/`)) this.#seenPresent.delete(key);
    // Windows still show the old verdicts: replace each with "not opened" (the open step is judged below).
    for (const [key, previous] of [...this.#results]) {
      if (labId !== undefined && !key.startsWith(`${labId}/`)) continue;
      this.#results.delete(key);
      const { evidence: _evidence, hint: _hint, sticky: _sticky, ...rest } = previous;
      this.#record({ ...rest, status: 'waiting', message: NOT_OPENED, at: new Date().toISOString() });
    }
    const active = this.#active;
    if (!active || (labId !== undefined && active.labId !== labId)) return;
    this.#evidence.opened(active.labId, active.stepId);
    await this.#evaluateNow([...this.#tracked.values()].filter((tracked) => !isProbeLike(tracked.check)));
    this.#restartProbes();
  }

  /** The latest result of every check of a lab (placeholders for checks that have not run). */
  results(labId: string): CheckResult[] {
    const lab = this.#options.catalog.requireLab(labId);
    const results: CheckResult[] = [];
    for (const step of lab.file.steps) {
      for (const check of step.checks) {
        const stored = this.#results.get(checkKey(labId, step.id, check.id));
        if (stored) {
          results.push(stored);
          continue;
        }
        const message =
          this.#active?.labId !== labId
            ? NOT_OPEN
            : !this.#evidence.stepOpenedAt(labId, step.id)
              ? NOT_OPENED
              : isProbeLike(check) && this.#active.stepId !== step.id
                ? NOT_ACTIVE
                : 'Checking…';
        results.push(toResult(check, { status: 'waiting', message }, { labId, stepId: step.id }));
      }
    }
    return results;
  }

  /** Deletes exactly the objects a step (or every step of the lab) lists under `cleanup`; returns what existed. */
  async cleanup(labId: string, stepId?: string): Promise<{ deleted: ObjectRef[] }> {
    const lab = this.#options.catalog.requireLab(labId);
    const selectors: ObjectSelector[] =
      stepId === undefined ? lab.file.steps.flatMap((step) => step.cleanup) : this.#options.catalog.requireStep(labId, stepId).spec.cleanup;
    if (selectors.length === 0) return { deleted: [] };
    const kubeConfig = await this.#options.cluster.kubeConfig();
    if (!kubeConfig) {
      throw new LabdeckError('environment-not-ready', 'There is no running cluster to clean up.', { action: 'Start the lab environment from the Start screen first.' });
    }
    const api = KubernetesObjectApi.makeApiClient(kubeConfig);
    const deleted: ObjectRef[] = [];
    for (const selector of selectors) {
      const targets: KubernetesObject[] = selector.name
        ? [{ apiVersion: selector.apiVersion, kind: selector.kind, metadata: { name: selector.name, ...(selector.namespace ? { namespace: selector.namespace } : {}) } }]
        : (await api.list(selector.apiVersion, selector.kind, selector.namespace, undefined, undefined, undefined, undefined, selector.labelSelector)).items.map((item) => ({
            apiVersion: selector.apiVersion,
            kind: selector.kind,
            metadata: { name: item.metadata?.name ?? '', ...(item.metadata?.namespace ? { namespace: item.metadata.namespace } : {}) },
          }));
      for (const target of targets) {
        try {
          await api.delete(target);
          const name = target.metadata?.name ?? '';
          const namespace = target.metadata?.namespace;
          deleted.push(namespace ? { kind: selector.kind, namespace, name } : { kind: selector.kind, name });
        } catch (error) {
          if ((error as { code?: number }).code === 404) continue;
          throw new LabdeckError('kubernetes-error', `Could not delete ${selector.kind} ${target.metadata?.name}: ${(error as Error).message}`, {
            action: 'Check that the cluster is running, then try the cleanup again.',
            cause: error,
          });
        }
      }
    }
    return { deleted };
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#connectGeneration++;
    if (this.#debounce) clearTimeout(this.#debounce);
    for (const run of this.#probeRuns.values()) if (run.timer) clearTimeout(run.timer);
    this.#probeRuns.clear();
    this.#unsubscribeCluster?.();
    this.#unsubscribeCommands?.();
    await this.#informers?.stop();
    this.#informers = undefined;
  }

  /** Kinds the engine watches right now (tests assert it watches exactly what the open lab references). */
  watchedKinds(): string[] {
    return this.#informers?.watchedKinds().sort() ?? [];
  }

  #assertLive(): void {
    if (this.#disposed) throw new LabdeckError('internal', 'The check engine has been shut down.');
  }

  #subscribe(): void {
    this.#unsubscribeCluster ??= this.#options.cluster.onChange(() => {
      if (!this.#active || this.#disposed) return;
      void this.#reconnect();
    });
    this.#unsubscribeCommands ??= this.#options.commandLog.subscribe(() => {
      if (!this.#active || this.#disposed) return;
      // Command checks, and "is gone" checks (a delete command is their witness), look at the record.
      for (const tracked of this.#tracked.values()) {
        if (tracked.check.kind === 'command' || tracked.needsWitness) this.#pending.add(tracked.key);
      }
      this.#schedule();
      // A command may have changed what a probe sees (iptables, DNS): give failing probes a fresh start.
      this.#resetProbes([...this.#probeRuns.keys()]);
    });
  }

  #track(lab: LoadedLab): void {
    this.#tracked.clear();
    this.#byKind.clear();
    this.#probesByKind.clear();
    for (const step of lab.steps) {
      for (const check of step.spec.checks) {
        const needsWitness = check.kind === 'resource' && isGoneCheck(this.#options.catalog, lab.file.id, step.spec.id, check);
        const tracked: TrackedCheck = { key: checkKey(lab.file.id, step.spec.id, check.id), labId: lab.file.id, stepId: step.spec.id, check, hints: step.spec.hints, needsWitness };
        this.#tracked.set(tracked.key, tracked);
        if (check.kind === 'resource') push(this.#byKind, kindKey(check.select.apiVersion, check.select.kind), tracked);
        if (check.kind === 'probe') for (const kind of probeReferencedKinds(check)) push(this.#probesByKind, kindKey(kind.apiVersion, kind.kind), tracked);
      }
    }
  }

  #watchedKinds(): WatchedKind[] {
    const kinds = new Map<string, WatchedKind>();
    for (const tracked of this.#tracked.values()) {
      const { check } = tracked;
      if (check.kind === 'resource') kinds.set(kindKey(check.select.apiVersion, check.select.kind), { apiVersion: check.select.apiVersion, kind: check.select.kind });
      if (check.kind === 'probe') for (const kind of probeReferencedKinds(check)) kinds.set(kindKey(kind.apiVersion, kind.kind), kind);
      // A curl check accepts the pod's or Service's live address, so those kinds are watched too.
      if (check.kind === 'command') for (const kind of commandReferencedKinds(check)) kinds.set(kindKey(kind.apiVersion, kind.kind), kind);
    }
    return [...kinds.values()];
  }

  /** Finds the cluster (once) and points informers at exactly the open lab's kinds. */
  async #connect(): Promise<void> {
    if (this.#connecting) await this.#connecting;
    const generation = this.#connectGeneration;
    this.#connecting = (async () => {
      if (!this.#kubeConfig) {
        // A cluster that cannot be described (a broken kubeconfig) is, for the attendee, a cluster that is not running.
        const kubeConfig = await this.#options.cluster.kubeConfig().catch(() => null);
        if (generation !== this.#connectGeneration) return;
        this.#kubeConfig = kubeConfig ?? undefined;
        if (kubeConfig) this.#informers = new InformerCache(kubeConfig, (change) => this.#onObjectChange(change));
        this.#world = this.#makeWorld();
      }
      await this.#informers?.watch(this.#watchedKinds());
    })();
    try {
      await this.#connecting;
    } finally {
      this.#connecting = undefined;
    }
  }

  /** The cluster appeared, went away or was replaced: drop every cache and start over. */
  async #reconnect(): Promise<void> {
    this.#connectGeneration++;
    const old = this.#informers;
    this.#informers = undefined;
    this.#kubeConfig = undefined;
    this.#world = this.#makeWorld();
    await old?.stop();
    await this.#connect();
    await this.#evaluateNow([...this.#tracked.values()].filter((tracked) => !isProbeLike(tracked.check)));
    this.#restartProbes();
  }

  #makeWorld(): LiveWorld {
    return new LiveWorld({ informers: this.#informers, kubeConfig: this.#kubeConfig, containers: this.#options.containers, commandLog: this.#options.commandLog });
  }

  #onObjectChange(change: ObjectChange): void {
    if (this.#disposed) return;
    const { name, namespace } = change.object.metadata;
    for (const tracked of this.#byKind.get(change.kindKey) ?? []) {
      if (tracked.check.kind !== 'resource') continue;
      const select = tracked.check.select;
      // An empty name stands for "the whole kind changed" (its watch failed or recovered).
      if (name !== '' && select.namespace !== undefined && namespace !== undefined && select.namespace !== namespace) continue;
      if (name !== '' && select.name !== undefined && select.name !== name) continue;
      this.#pending.add(tracked.key);
    }
    // Probes that name this kind in their arguments depend on it; probes naming no object (iptables rules,
    // HTTP to a NodePort) may depend on anything the lab touches.
    const related = new Set((this.#probesByKind.get(change.kindKey) ?? []).map((tracked) => tracked.key));
    for (const tracked of this.#tracked.values()) {
      if (tracked.check.kind === 'http' || (tracked.check.kind === 'probe' && probeReferencedKinds(tracked.check).length === 0)) related.add(tracked.key);
    }
    this.#resetProbes([...related]);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#pending.size === 0 || this.#debounce) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      const keys = [...this.#pending];
      this.#pending.clear();
      void this.#evaluateNow(keys.map((key) => this.#tracked.get(key)).filter((tracked): tracked is TrackedCheck => tracked !== undefined));
    }, this.#debounceMs);
  }

  async #evaluateNow(checks: TrackedCheck[]): Promise<void> {
    await Promise.all(checks.map((tracked) => this.#evaluateOne(tracked)));
  }

  async #evaluateOne(tracked: TrackedCheck): Promise<CheckResult | undefined> {
    const previous = this.#results.get(tracked.key);
    // Once-mode checks count once they passed: nothing the attendee does later takes that back.
    if (tracked.check.mode === 'once' && previous?.status === 'passed') return previous;
    // A step the attendee has not opened yet is not judged: its evidence starts when they get there.
    const stepOpened = this.#evidence.stepOpenedAt(tracked.labId, tracked.stepId);
    if (!stepOpened) return undefined;
    const context = { labId: tracked.labId, stepId: tracked.stepId, hints: tracked.hints };
    const world = this.#worldFor(tracked, stepOpened);
    let result =
      !this.#kubeConfig && tracked.check.kind !== 'command'
        ? toResult(tracked.check, { status: 'waiting', message: ENVIRONMENT_NOT_RUNNING }, context)
        : await this.#evaluate(tracked.check, world, context);
    if (this.#disposed || this.#tracked.get(tracked.key) !== tracked) return undefined;
    result = await this.#witnessGone(tracked, world, result);
    if (this.#disposed || this.#tracked.get(tracked.key) !== tracked) return undefined;
    if (tracked.check.mode === 'once' && result.status === 'passed') result.sticky = true;
    // Write-ahead: the journal has the evidence before the attendee sees the badge turn green.
    if (!tracked.check.context) await this.#evidence.record(result);
    if (this.#disposed || this.#tracked.get(tracked.key) !== tracked) return undefined;
    this.#record(result);
    return result;
  }

  /** Commands count from the opening of the check's step (or, with `since: lab`, of its lab). */
  #worldFor(tracked: TrackedCheck, stepOpened: Date): CheckWorld {
    if (tracked.check.kind !== 'command') return commandsSince(this.#world, stepOpened);
    const since = tracked.check.since === 'lab' ? (this.#evidence.labOpenedAt(tracked.labId) ?? stepOpened) : stepOpened;
    return commandsSince(this.#world, since);
  }

  /**
   * "Is gone" checks: nothing matching is also what a cluster looks like when the attendee never created the
   * object. So one passes only once its object was seen while the step was open, or after a successful
   * `kubectl delete` of it typed during the step. Guards (absent checks of objects no earlier step asks
   * for) pass as written.
   */
  async #witnessGone(tracked: TrackedCheck, world: CheckWorld, result: CheckResult): Promise<CheckResult> {
    const { check } = tracked;
    if (check.kind !== 'resource' || !tracked.needsWitness) return result;
    if (result.status === 'failed' && Array.isArray(result.evidence) && result.evidence.length > 0) this.#seenPresent.add(tracked.key);
    if (result.status !== 'passed' || this.#seenPresent.has(tracked.key)) return result;
    if (this.#evidence.standingPass(tracked.labId, tracked.stepId, check.id)) return result;
    const records = await world.commandRecords().catch(() => null);
    const deleted = records?.findLast((record) => deletesSelection(record, check.select));
    if (deleted) return { ...result, evidence: { deletedBy: { command: deleted.command, exitCode: deleted.exitCode, time: deleted.time } } };
    const what = describeSelection(check.select);
    return toResult(
      check,
      { status: 'failed', message: `${what} does not exist, and it has not existed while this step was open: create it as the earlier step says, then delete it here` },
      { labId: tracked.labId, stepId: tracked.stepId, hints: tracked.hints },
    );
  }

  /** Once-mode checks the journal says passed stay passed after a restart (their commands may be gone). */
  #restoreFromJournal(): void {
    for (const tracked of this.#tracked.values()) {
      if (tracked.check.mode !== 'once' || tracked.check.context || this.#results.get(tracked.key)?.status === 'passed') continue;
      const entry = this.#evidence.standingPass(tracked.labId, tracked.stepId, tracked.check.id);
      if (!entry) continue;
      const result = toResult(tracked.check, { status: 'passed', message: `${tracked.check.title} (${entry.time})`, evidence: entry.evidence }, tracked, new Date(entry.time));
      result.sticky = true;
      this.#record(result);
    }
  }

  #record(result: CheckResult): void {
    const key = checkKey(result.labId, result.stepId, result.checkId);
    const previous = this.#results.get(key);
    const changed = !previous || previous.status !== result.status || previous.message !== result.message || previous.hint !== result.hint;
    this.#results.set(key, changed || !previous ? result : { ...result, at: previous.at });
    if (!changed) return;
    this.#options.events.emit('checks.result', result);
    this.#options.onResult(result);
  }

  /** Probes and HTTP checks run for the active step only. */
  #restartProbes(): void {
    for (const run of this.#probeRuns.values()) if (run.timer) clearTimeout(run.timer);
    this.#probeRuns.clear();
    for (const tracked of this.#tracked.values()) {
      if (!isProbeLike(tracked.check) || tracked.stepId !== this.#active?.stepId) continue;
      this.#probeRuns.set(tracked.key, { attempt: 0, timer: undefined, running: false, rerun: false });
      void this.#runProbe(tracked.key);
    }
  }

  /** A related change: run the probe again soon and start its backoff over. */
  #resetProbes(keys: string[]): void {
    for (const key of keys) {
      const run = this.#probeRuns.get(key);
      if (!run) continue;
      run.attempt = 0;
      if (run.running) {
        run.rerun = true;
        continue;
      }
      if (run.timer) clearTimeout(run.timer);
      run.timer = setTimeout(() => void this.#runProbe(key), this.#debounceMs);
    }
  }

  async #runProbe(key: string): Promise<void> {
    const run = this.#probeRuns.get(key);
    const tracked = this.#tracked.get(key);
    if (!run || !tracked || this.#disposed) return;
    run.timer = undefined;
    run.running = true;
    const result = await this.#evaluateOne(tracked);
    run.running = false;
    if (this.#probeRuns.get(key) !== run || this.#disposed) return;
    if (run.rerun) {
      run.rerun = false;
      run.timer = setTimeout(() => void this.#runProbe(key), this.#debounceMs);
      return;
    }
    if (!result || result.status === 'passed' || result.status === 'skipped' || result.status === 'error') return;
    const delay = this.#backoff[run.attempt];
    if (delay === undefined) return; // Out of retries: the next related change or command starts it again.
    run.attempt++;
    run.timer = setTimeout(() => void this.#runProbe(key), delay);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
