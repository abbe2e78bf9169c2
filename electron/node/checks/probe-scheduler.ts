import type { CheckResult } from '../../common/api/labs.ts';

interface ProbeRun {
  attempt: number;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  rerun: boolean;
}

export interface ProbeSchedulerOptions {
  /** Runs one probe (or HTTP check) and returns its verdict; undefined when it was not judged. */
  evaluate(key: string): Promise<CheckResult | undefined>;
  /** Delay after a related change before the probe runs again. */
  debounceMs: number;
  /** Delays between re-runs of a failing probe; after the last one it waits for a related change. */
  backoffMs: readonly number[];
}

/**
 * When the active step's probes and HTTP checks run: once when the step opens, again with backoff while they
 * fail (they ask the live data plane, which settles after the objects do), and soon after any related change.
 * At most one run per probe at a time; a change during a run queues one more.
 */
export class ProbeScheduler {
  readonly #options: ProbeSchedulerOptions;
  readonly #runs = new Map<string, ProbeRun>();
  #disposed = false;

  constructor(options: ProbeSchedulerOptions) {
    this.#options = options;
  }

  /** The probes being run now. */
  keys(): string[] {
    return [...this.#runs.keys()];
  }

  /** Forgets every probe and runs exactly these (the active step's), each from a fresh backoff. */
  restart(keys: readonly string[]): void {
    this.#clear();
    for (const key of keys) {
      this.#runs.set(key, { attempt: 0, timer: undefined, running: false, rerun: false });
      void this.#run(key);
    }
  }

  /** A related change: run these probes again soon and start their backoff over. */
  reset(keys: readonly string[]): void {
    for (const key of keys) {
      const run = this.#runs.get(key);
      if (!run) continue;
      run.attempt = 0;
      if (run.running) {
        run.rerun = true;
        continue;
      }
      if (run.timer) clearTimeout(run.timer);
      run.timer = setTimeout(() => void this.#run(key), this.#options.debounceMs);
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#clear();
  }

  #clear(): void {
    for (const run of this.#runs.values()) if (run.timer) clearTimeout(run.timer);
    this.#runs.clear();
  }

  async #run(key: string): Promise<void> {
    const run = this.#runs.get(key);
    if (!run || this.#disposed) return;
    run.timer = undefined;
    run.running = true;
    const result = await this.#options.evaluate(key);
    run.running = false;
    if (this.#runs.get(key) !== run || this.#disposed) return;
    if (run.rerun) {
      run.rerun = false;
      run.timer = setTimeout(() => void this.#run(key), this.#options.debounceMs);
      return;
    }
    if (!result || result.status === 'passed' || result.status === 'skipped' || result.status === 'error') return;
    const delay = this.#options.backoffMs[run.attempt];
    if (delay === undefined) return; // Out of retries: the next related change or command starts it again.
    run.attempt++;
    run.timer = setTimeout(() => void this.#run(key), delay);
  }
}
