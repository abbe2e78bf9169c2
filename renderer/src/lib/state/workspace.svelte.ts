import type { AppInfo } from '../../../../electron/common/api/app.ts';
import type { NetworkMap } from '../../../../electron/common/api/cluster.ts';
import type { CheckResult, LabSummary, LabView, ProgressState, StepView } from '../../../../electron/common/api/labs.ts';
import { hasActed, resultKey } from '../check-status.ts';
import { describeError, type ShownError } from '../errors.ts';
import type { WorkspaceApi } from '../workspace-api.ts';
import { openAllowedLink } from '../external-link.ts';

/**
 * What the workspace shows, kept in one place: the course, the labs, saved progress, live check verdicts,
 * the network map and the lab being worked on. Every field is filled by a call and then kept current by
 * the matching event, so a second window or a restart of the backend never leaves the UI stale.
 */
export class WorkspaceState {
  course = $state<AppInfo['course'] | null>(null);
  /** Where the checks' answers come from (the environment, or a cluster given with --kubeconfig). */
  cluster = $state<AppInfo['cluster'] | null>(null);
  labs = $state<LabSummary[]>([]);
  labsLoading = $state(true);
  progress = $state<ProgressState | null>(null);
  results = $state<Record<string, CheckResult>>({});
  /** Checks the attendee has acted on (lib/check-status.ts hasActed); until then a failure shows as "not yet". */
  acted = $state<Record<string, boolean>>({});
  map = $state<NetworkMap | null>(null);
  lab = $state<LabView | null>(null);
  labLoading = $state(false);
  stepIndex = $state(0);
  error = $state<ShownError | null>(null);
  /** What the last lab cleanup or progress reset did, in words. */
  notice = $state<string | null>(null);
  /** Why the last clean-up or progress reset failed; shown beside those buttons, where the attendee looks. */
  actionError = $state<ShownError | null>(null);
  busy = $state<'cleanup' | 'reset' | null>(null);

  readonly #api: WorkspaceApi;
  readonly #subscriptions: Array<() => void> = [];
  #labRequest = 0;

  constructor(api: WorkspaceApi) {
    this.#api = api;
  }

  get step(): StepView | null {
    return this.lab?.steps[this.stepIndex] ?? null;
  }

  start(): void {
    this.#subscriptions.push(
      this.#api.on('progress.changed', (state) => {
        const before = this.progress;
        this.progress = state;
        void this.#advanceWhenDone(before, state);
      }),
      this.#api.on('checks.result', (result) => this.#take(result)),
      this.#api.on('cluster.map', (map) => {
        this.map = map;
      }),
    );
    void this.#load();
  }

  stop(): void {
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
  }

  async #load(): Promise<void> {
    const [info, labs, progress, map] = await Promise.allSettled([
      this.#api.call('app.info', {}),
      this.#api.call('labs.list', {}),
      this.#api.call('progress.get', {}),
      this.#api.call('cluster.map', {}),
    ]);
    if (info.status === 'fulfilled') {
      this.course = info.value.course;
      this.cluster = info.value.cluster ?? null;
    }
    if (labs.status === 'fulfilled') this.labs = labs.value;
    else this.error = describeError(labs.reason);
    if (progress.status === 'fulfilled') this.progress ??= progress.value;
    if (map.status === 'fulfilled') this.map ??= map.value;
    this.labsLoading = false;
  }

  /** Opens a lab at a step (the saved active step, else the first step not done yet). */
  async openLab(labId: string, stepId?: string): Promise<void> {
    const request = ++this.#labRequest;
    this.labLoading = true;
    this.error = null;
    try {
      const lab = await this.#api.call('labs.get', { labId });
      this.notice = null;
      this.actionError = null;
      if (request !== this.#labRequest) return;
      this.lab = lab;
      const saved = this.progress?.active?.labId === labId ? this.progress.active.stepId : undefined;
      const firstOpen = lab.steps.findIndex((step) => this.progress?.labs[labId]?.steps[step.id]?.status !== 'done');
      const wanted = lab.steps.findIndex((step) => step.id === (stepId ?? saved));
      await this.showStep(wanted >= 0 ? wanted : Math.max(0, firstOpen));
    } catch (error) {
      if (request === this.#labRequest) this.error = describeError(error);
    } finally {
      if (request === this.#labRequest) this.labLoading = false;
    }
  }

  closeLab(): void {
    this.#labRequest++;
    this.lab = null;
    this.labLoading = false;
  }

  /** Shows a step and tells the backend it is the active one, so its checks start evaluating. */
  async showStep(index: number): Promise<void> {
    const lab = this.lab;
    if (!lab) return;
    const clamped = Math.min(Math.max(0, index), lab.steps.length - 1);
    this.stepIndex = clamped;
    const step = lab.steps[clamped];
    if (!step) return;
    try {
      const results = await this.#api.call('labs.activate', { labId: lab.id, stepId: step.id });
      for (const result of results) this.#take(result);
    } catch (error) {
      // The guide stays readable without a cluster; the badges say why they wait.
      this.error = describeError(error);
    }
  }

  /**
   * The step on screen just became done: show the next step of the lab not done yet, as the attendee
   * following the printed guide would turn the page (nothing moves when every later step is done).
   */
  async #advanceWhenDone(before: ProgressState | null, now: ProgressState): Promise<void> {
    const lab = this.lab;
    const step = this.step;
    if (!lab || !step) return;
    const wasDone = before?.labs[lab.id]?.steps[step.id]?.status === 'done';
    if (wasDone || now.labs[lab.id]?.steps[step.id]?.status !== 'done') return;
    const next = lab.steps.findIndex((candidate, index) => index > this.stepIndex && now.labs[lab.id]?.steps[candidate.id]?.status !== 'done');
    if (next !== -1) await this.showStep(next);
  }

  async nextStep(): Promise<void> {
    if (this.lab && this.stepIndex < this.lab.steps.length - 1) await this.showStep(this.stepIndex + 1);
  }

  async previousStep(): Promise<void> {
    if (this.lab && this.stepIndex > 0) await this.showStep(this.stepIndex - 1);
  }

  #take(result: CheckResult): void {
    const key = resultKey(result.labId, result.stepId, result.checkId);
    if (hasActed(this.acted[key] ?? false, this.results[key], result)) this.acted[key] = true;
    this.results[key] = result;
  }

  /** Whether the attendee has acted on a check of the step on screen. */
  hasActed(checkId: string): boolean {
    const lab = this.lab;
    const step = this.step;
    return lab && step ? (this.acted[resultKey(lab.id, step.id, checkId)] ?? false) : false;
  }

  result(checkId: string): CheckResult | undefined {
    const lab = this.lab;
    const step = this.step;
    if (!lab || !step) return undefined;
    return this.results[resultKey(lab.id, step.id, checkId)];
  }

  async revealHint(): Promise<void> {
    const lab = this.lab;
    const step = this.step;
    if (!lab || !step) return;
    try {
      this.progress = await this.#api.call('progress.revealHint', { labId: lab.id, stepId: step.id });
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async viewSolution(): Promise<void> {
    const lab = this.lab;
    const step = this.step;
    if (!lab || !step) return;
    try {
      this.progress = await this.#api.call('progress.viewSolution', { labId: lab.id, stepId: step.id });
    } catch (error) {
      this.error = describeError(error);
    }
  }

  /** Deletes what the open lab creates (its steps' cleanup lists), nothing else. */
  async cleanupLab(): Promise<void> {
    const lab = this.lab;
    if (!lab || this.busy) return;
    this.busy = 'cleanup';
    this.notice = null;
    this.actionError = null;
    try {
      const { deleted } = await this.#api.call('labs.cleanup', { labId: lab.id });
      this.notice =
        deleted.length === 0
          ? `Nothing to clean up: none of lab ${lab.id}'s objects exist.`
          : `Deleted ${deleted.map((ref) => `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`).join(', ')}.`;
    } catch (error) {
      this.actionError = describeError(error);
    } finally {
      this.busy = null;
    }
  }

  /** Forgets the open lab's progress (steps, hints, solutions, time) so it can be done again from scratch. */
  async resetLabProgress(): Promise<void> {
    const lab = this.lab;
    if (!lab || this.busy) return;
    this.busy = 'reset';
    this.notice = null;
    this.actionError = null;
    try {
      this.progress = await this.#api.call('progress.reset', { labId: lab.id });
      // Starting the lab over starts its badges over too: calm until the attendee acts again.
      for (const key of Object.keys(this.acted)) if (key.startsWith(`${lab.id}/`)) delete this.acted[key];
      this.notice = `Progress of lab ${lab.id} was reset.`;
      await this.showStep(0);
    } catch (error) {
      this.actionError = describeError(error);
    } finally {
      this.busy = null;
    }
  }

  async openExternal(url: string): Promise<void> {
    try {
      await openAllowedLink(this.#api, url);
    } catch (error) {
      this.error = describeError(error);
    }
  }
}
