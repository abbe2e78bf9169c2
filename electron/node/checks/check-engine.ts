import type { KubeConfig } from '@kubernetes/client-node';
import type { EventSink } from '../../common/api/contract.ts';
import type { CheckResult, ObjectRef } from '../../common/api/labs.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ClusterAccess, CommandLog, LabContainers } from '../backend/ports.ts';
import type { LabCatalog } from '../labs/lab-catalog.ts';
import type { EvidenceJournal } from '../progress/evidence-journal.ts';
import type { ObjectSelector } from '../course-format/check-spec.ts';
import { CheckEvidence } from './check-evidence.ts';
import type { CheckWorld, CommandRecord, EvaluateCheck } from './check-world.ts';
import { commandsSince, latestStart } from './commands-since.ts';
import { GoneWitness } from './gone-witness.ts';
import { deleteSelected } from './lab-cleanup.ts';
import { evaluateCheck, toResult } from './evaluate-check.ts';
import { probeReferencedKinds } from './evaluate-probe.ts';
import { InformerCache, type ObjectChange } from './informer-cache.ts';
import { ENVIRONMENT_NOT_RUNNING, LiveWorld } from './live-world.ts';
import { ProbeScheduler } from './probe-scheduler.ts';
import { ReactionScheduler } from './reaction-scheduler.ts';
import { checkKey, isProbeLike, trackLab, watchedKinds, type TrackedCheck } from './tracked-checks.ts';

export interface CheckEngineOptions {
  catalog: LabCatalog;
  cluster: ClusterAccess;
  containers: LabContainers;
  commandLog: CommandLog;
  events: EventSink;
  onResult(result: CheckResult): void;
  /**
   * The window after an evaluation during which further API events and commands are gathered and judged
   * once at its end (a rollout sends bursts); the first change after a quiet spell is judged at once
   * (reaction-scheduler.ts). Probes re-run this long after a related change.
   */
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

const DEFAULT_DEBOUNCE_MS = 150;
const DEFAULT_PROBE_BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 30_000];
const NOT_ACTIVE = 'Checked while this step is the active one';
const NOT_OPEN = 'Checked while this lab is open';
const NOT_OPENED = 'Checked once you open this step: only what you do from then on counts';


/**
 * Keeps the checks of the open lab up to date, driven by events only: informers on exactly the kinds the lab
 * references, the jumphost's command record, and (for the active step) probes re-run with backoff. An API
 * event re-evaluates only the checks it can affect, at once, or at the end of a short window when it comes
 * within a burst (reaction-scheduler.ts); when nothing changes, nothing runs. A `checks.result` event goes
 * out only when a verdict or its message changes.
 */
export class CheckEngine {
  readonly #options: CheckEngineOptions;
  readonly #evaluate: EvaluateCheck;
  readonly #debounceMs: number;
  readonly #results = new Map<string, CheckResult>();
  readonly #evidence: CheckEvidence;
  readonly #witness = new GoneWitness((tracked) => this.#evidence.standingPass(tracked.labId, tracked.stepId, tracked.check.id) !== undefined);

  #active: { labId: string; stepId: string } | undefined;
  #tracked = new Map<string, TrackedCheck>();
  /** Resource checks by the kind they select; probe/http checks by the kinds their arguments reference. */
  #byKind = new Map<string, TrackedCheck[]>();
  #probesByKind = new Map<string, TrackedCheck[]>();
  #pending = new Set<string>();
  readonly #reactions: ReactionScheduler;
  readonly #probes: ProbeScheduler;

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
    this.#reactions = new ReactionScheduler(() => this.#evaluatePending(), this.#debounceMs);
    this.#probes = new ProbeScheduler({
      evaluate: async (key) => {
        const tracked = this.#tracked.get(key);
        return tracked && !this.#disposed ? this.#evaluateOne(tracked) : undefined;
      },
      debounceMs: this.#debounceMs,
      backoffMs: options.probeBackoffMs ?? DEFAULT_PROBE_BACKOFF_MS,
    });
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
    if (labChanged) this.#evidence.activated(labId, openedAt);
    this.#subscribe();
    if (labChanged) {
      ({ tracked: this.#tracked, byKind: this.#byKind, probesByKind: this.#probesByKind } = trackLab(this.#options.catalog, lab));
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
    this.#witness.forget(labId);
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
    // Labdeck's own button is not the attendee deleting: what it removes witnesses no "is gone" check.
    const kinds = new Set(selectors.map((selector) => selector.kind));
    const kubeConfig = await this.#options.cluster.kubeConfig();
    return { deleted: await this.#witness.cleaningUp(kinds, this.#tracked.values(), () => deleteSelected(kubeConfig, selectors)) };
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#connectGeneration++;
    this.#reactions.dispose();
    this.#probes.dispose();
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
      this.#probes.reset(this.#probes.keys());
    });
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
      await this.#informers?.watch(watchedKinds(this.#tracked.values()));
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
    this.#probes.reset([...related]);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#pending.size > 0) this.#reactions.poke();
  }

  #evaluatePending(): void {
    const keys = [...this.#pending];
    this.#pending.clear();
    if (keys.length === 0) return;
    void this.#evaluateNow(keys.map((key) => this.#tracked.get(key)).filter((tracked): tracked is TrackedCheck => tracked !== undefined));
  }

  async #evaluateNow(checks: TrackedCheck[]): Promise<void> {
    await Promise.all(checks.map((tracked) => this.#evaluateOne(tracked)));
  }

  async #evaluateOne(tracked: TrackedCheck): Promise<CheckResult | undefined> {
    const previous = this.#results.get(tracked.key);
    // Once-mode checks count once they passed: nothing the attendee does later takes that back.
    if (tracked.check.mode === 'once' && previous?.status === 'passed') return this.#recheckPassedOnce(tracked, previous);
    // Every step of the open lab is judged, so a step the attendee did ahead of opening it completes by
    // itself; a step of a lab never opened is not: its evidence starts when they get there.
    const stepOpened = this.#openedFor(tracked);
    if (!stepOpened) return undefined;
    const context = { labId: tracked.labId, stepId: tracked.stepId, hints: tracked.hints };
    const world = this.#worldFor(tracked, stepOpened);
    let result =
      !this.#kubeConfig && tracked.check.kind !== 'command'
        ? toResult(tracked.check, { status: 'waiting', message: ENVIRONMENT_NOT_RUNNING }, context)
        : await this.#evaluate(tracked.check, world, context);
    if (this.#disposed || this.#tracked.get(tracked.key) !== tracked) return undefined;
    result = await this.#witness.judge(tracked, world, result);
    if (this.#disposed || this.#tracked.get(tracked.key) !== tracked) return undefined;
    if (tracked.check.mode === 'once' && result.status === 'passed') result.sticky = true;
    // Write-ahead: the journal has the evidence before the attendee sees the badge turn green.
    if (!tracked.check.context) await this.#evidence.record(result);
    if (this.#disposed || this.#tracked.get(tracked.key) !== tracked) return undefined;
    this.#record(result);
    return result;
  }

  /**
   * A passed once-mode resource check stays passed, but a badge that stays plainly green while its object is
   * gone misleads: look again and note what the cluster shows now (never journaled, never a regression).
   */
  async #recheckPassedOnce(tracked: TrackedCheck, previous: CheckResult): Promise<CheckResult | undefined> {
    const stepOpened = this.#openedFor(tracked);
    if (tracked.check.kind !== 'resource' || !this.#kubeConfig || !stepOpened) return previous;
    const now = await this.#evaluate(tracked.check, this.#worldFor(tracked, stepOpened), { labId: tracked.labId, stepId: tracked.stepId, hints: tracked.hints });
    if (this.#disposed || this.#tracked.get(tracked.key) !== tracked) return undefined;
    // Only a verdict about the cluster says the object is gone; waiting or error (no cluster) says nothing.
    const noLongerHolds = now.status === 'failed' ? now.message : now.status === 'passed' ? undefined : previous.noLongerHolds;
    if (noLongerHolds === previous.noLongerHolds) return previous;
    const { noLongerHolds: _old, ...rest } = previous;
    const next: CheckResult = noLongerHolds === undefined ? rest : { ...rest, noLongerHolds };
    this.#record(next);
    return next;
  }

  /** When a check's evidence starts: its step's first opening, or its lab's while that lab is the open one. */
  #openedFor(tracked: TrackedCheck): Date | undefined {
    const stepOpened = this.#evidence.stepOpenedAt(tracked.labId, tracked.stepId);
    if (stepOpened) return stepOpened;
    return this.#active?.labId === tracked.labId ? this.#evidence.labOpenedAt(tracked.labId) : undefined;
  }

  /**
   * Commands count from the opening of the check's lab (or, with `since: step`, of its step), and only those
   * typed while that lab was the open one: a command typed in another lab never counts here.
   */
  #worldFor(tracked: TrackedCheck, stepOpened: Date): CheckWorld {
    const belongs = (record: CommandRecord) => this.#evidence.labOpenAt(latestStart(record)) === tracked.labId;
    if (tracked.check.kind !== 'command') return commandsSince(this.#world, stepOpened, belongs);
    const since = tracked.check.since === 'lab' ? (this.#evidence.labOpenedAt(tracked.labId) ?? stepOpened) : this.#evidence.stepOpenedAt(tracked.labId, tracked.stepId);
    return commandsSince(this.#world, since, belongs);
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
    const changed =
      !previous || previous.status !== result.status || previous.message !== result.message || previous.hint !== result.hint || previous.noLongerHolds !== result.noLongerHolds;
    this.#results.set(key, changed || !previous ? result : { ...result, at: previous.at });
    if (!changed) return;
    this.#options.events.emit('checks.result', result);
    this.#options.onResult(result);
  }

  /** Probes and HTTP checks run for the active step only. */
  #restartProbes(): void {
    const active = [...this.#tracked.values()].filter((tracked) => isProbeLike(tracked.check) && tracked.stepId === this.#active?.stepId);
    this.#probes.restart(active.map((tracked) => tracked.key));
  }
}
