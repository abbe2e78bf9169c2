import type { DoctorReport, EnvProgress, EnvStatus } from '../../../../electron/common/api/env.ts';
import { describeError, type ShownError } from '../errors.ts';
import type { WorkspaceApi } from '../workspace-api.ts';

export type EnvOperation = 'up' | 'resume' | 'reset' | 'down';

export interface ProgressLine {
  key: string;
  label: string;
  percent: number;
  message: string;
  /** Set when the operation stopped before this line reached 100%. */
  ended?: 'failed' | 'cancelled';
}

const operationCalls = { up: 'env.up', resume: 'env.resume', reset: 'env.reset', down: 'env.down' } as const;

export const operationLabel: Record<EnvOperation, string> = {
  up: 'Starting the environment',
  resume: 'Resuming the environment',
  reset: 'Resetting the environment',
  down: 'Stopping the environment',
};

/**
 * The environment as the Start screen sees it. Long operations run in the background: the promise of
 * env.up resolves only when the cluster is ready, while env.progress events fill the bars meanwhile.
 */
export class EnvironmentController {
  status = $state<EnvStatus | null>(null);
  doctor = $state<DoctorReport | null>(null);
  doctorRunning = $state(false);
  operation = $state<EnvOperation | null>(null);
  cancelling = $state(false);
  events = $state<EnvProgress[]>([]);
  error = $state<ShownError | null>(null);
  notice = $state<string | null>(null);
  /** How the last operation ended when it did not finish: its unfinished progress lines say so. */
  ended = $state<'failed' | 'cancelled' | null>(null);

  readonly #api: WorkspaceApi;
  readonly #subscriptions: Array<() => void> = [];

  constructor(api: WorkspaceApi) {
    this.#api = api;
  }

  /** Latest report per phase, in the order phases first appeared. */
  get phases(): ProgressLine[] {
    return this.#marked(latestBy(this.events.filter((event) => !event.node), (event) => event.phase));
  }

  /** Latest report per node. */
  get nodes(): ProgressLine[] {
    return this.#marked(latestBy(this.events.filter((event) => event.node), (event) => event.node ?? ''));
  }

  /** After a failed or cancelled operation a line left at 40% must not look as if it were still moving. */
  #marked(lines: ProgressLine[]): ProgressLine[] {
    const ended = this.ended;
    if (!ended) return lines;
    const word = ended === 'failed' ? 'Failed' : 'Cancelled';
    return lines.map((line) => (line.percent >= 100 ? line : { ...line, message: `${word} here — ${line.message}`, ended }));
  }

  get lastLog(): string | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const log = this.events[i]?.log;
      if (log) return log;
    }
    return undefined;
  }

  start(): void {
    this.#subscriptions.push(
      this.#api.on('env.status', (status) => {
        this.status = status;
      }),
      this.#api.on('env.progress', (event) => {
        this.events = [...this.events.slice(-499), event];
      }),
    );
    void this.refresh();
    void this.runDoctor();
  }

  stop(): void {
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
  }

  async refresh(): Promise<void> {
    try {
      this.status = await this.#api.call('env.status', {});
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async runDoctor(): Promise<void> {
    this.doctorRunning = true;
    try {
      this.doctor = await this.#api.call('env.doctor', {});
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.doctorRunning = false;
    }
  }

  async run(operation: EnvOperation): Promise<void> {
    if (this.operation) return;
    this.operation = operation;
    this.events = [];
    this.error = null;
    this.notice = null;
    this.ended = null;
    try {
      this.status = await this.#api.call(operationCalls[operation], {});
    } catch (error) {
      const shown = describeError(error);
      if ((error as { code?: unknown }).code === 'cancelled') {
        this.notice = `${operationLabel[operation]} was cancelled. ${shown.action}`;
        this.ended = 'cancelled';
      } else {
        this.error = shown;
        this.ended = 'failed';
      }
    } finally {
      this.operation = null;
      this.cancelling = false;
    }
  }

  async cancel(): Promise<void> {
    if (!this.operation) return;
    this.cancelling = true;
    try {
      await this.#api.call('env.cancel', {});
    } catch (error) {
      this.error = describeError(error);
      this.cancelling = false;
    }
  }
}

function latestBy(events: EnvProgress[], keyOf: (event: EnvProgress) => string): ProgressLine[] {
  const lines = new Map<string, ProgressLine>();
  for (const event of events) {
    const key = keyOf(event);
    lines.set(key, { key, label: key, percent: event.percent, message: event.message });
  }
  return [...lines.values()];
}
