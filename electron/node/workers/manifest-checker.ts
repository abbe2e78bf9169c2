import { Worker } from 'node:worker_threads';
import type { ManifestProblem } from '../../common/api/cluster.ts';
import { bundledKubernetesSchema, type JsonSchema } from '../cluster/kube-schema.ts';
import { LastAnalysis, type ManifestAnalysis } from '../cluster/manifest-analysis.ts';
import { decodeResult, ResponseSchema, type Request } from './manifest-protocol.ts';

/**
 * The bundled worker's path relative to the app root, set by the bundler (electron/build/bundle.ts and
 * bundle-cli.ts `define`); undefined when the TypeScript sources run (tsx, vitest).
 */
declare const LABDECK_MANIFEST_WORKER: string | undefined;

export interface ManifestCheckerOptions {
  /**
   * A job running longer is stopped: its worker is terminated and replaced, the caller gets a problem. The
   * clock starts when the worker is ready; its start-up has a limit of its own.
   */
  timeoutMs?: number;
  startupTimeoutMs?: number;
  /** Texts shorter than this are analysed on the calling thread. */
  inlineBelowChars?: number;
  /** An idle worker is stopped after this long, so a backend at rest holds no second V8 heap. */
  idleMs?: number;
}

/**
 * Why small manifests stay inline (measured on the 2-core build machine, warm): a 2 KB manifest takes 1.8 ms
 * inline and 2.2 ms through the worker, 8 KB 6.9 ms and 7.4 ms (at most ~14 ms inline). Through the worker
 * it would also wait for the worker's start-up the first time (~0.4 s)
 * and, jobs running one at a time, behind any large manifest in the queue: the editor validating as the
 * attendee types would then lag by seconds. The labs' manifests are under 1 KB.
 */
export const defaultInlineBelowChars = 8 * 1024;
/** A 1 MB manifest takes 1-2 s on a loaded 2-core machine; ten times that is no longer a manifest to wait for. */
export const defaultTimeoutMs = 20_000;
/** Start-up takes ~0.4 s here; far longer means the machine is stalled, not that the manifest is large. */
const defaultStartupTimeoutMs = 30_000;
const defaultIdleMs = 60_000;
/**
 * The YAML tree of 1 MB of manifest takes ~30 MB, its objects and positions a few more; the bound stops a
 * worker fed something far worse before it takes the machine's memory, and the caller gets a problem.
 */
const workerHeapMb = 512;

interface Job {
  id: number;
  text: string;
  documents: boolean;
  resolve: (analysis: ManifestAnalysis) => void;
  timer?: NodeJS.Timeout;
}

interface RunningWorker {
  worker: Worker;
  /** The schema version the worker was last sent. */
  schemaVersion: number;
  ready: boolean;
  startupTimer?: NodeJS.Timeout;
}

/**
 * Parses and validates manifests off the backend's event loop: one worker thread, started lazily on the
 * first large manifest, jobs one at a time in arrival order (the machine this runs on may have 2 cores,
 * shared with the cluster), each with a time limit.
 */
export class ManifestChecker {
  readonly #timeoutMs: number;
  readonly #startupTimeoutMs: number;
  readonly #inlineBelowChars: number;
  readonly #idleMs: number;
  #schema: { version: number; value: JsonSchema; live: boolean; json?: string } = { version: 0, value: bundledKubernetesSchema(), live: false };
  #running: RunningWorker | null = null;
  #current: Job | null = null;
  readonly #queue: Job[] = [];
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | null = null;
  #disposed = false;
  readonly #last = new LastAnalysis();
  #workersStarted = 0;
  #parses = 0;

  constructor(options: ManifestCheckerOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.#startupTimeoutMs = options.startupTimeoutMs ?? defaultStartupTimeoutMs;
    this.#inlineBelowChars = options.inlineBelowChars ?? defaultInlineBelowChars;
    this.#idleMs = options.idleMs ?? defaultIdleMs;
  }

  /**
   * The schema unknown fields are checked against: the live cluster's, or null for the bundled one. A live
   * schema is serialized for the worker once, when a job first needs it there, not with every job.
   */
  setSchema(schema: JsonSchema | null): void {
    this.#schema = { version: this.#schema.version + 1, value: schema ?? bundledKubernetesSchema(), live: schema !== null };
  }

  /** Workers started so far: a stopped one is replaced by the next job. */
  get workersStarted(): number {
    return this.#workersStarted;
  }

  /** How many times a text was really parsed, here or in the worker (a repeated text is answered from the last analysis). */
  get parses(): number {
    return this.#parses;
  }

  /** Problems only: the answer to cluster.validate, without copying the objects back. */
  async problems(text: string): Promise<ManifestProblem[]> {
    return (await this.#analyze(text, false)).problems;
  }

  /** Problems, or the objects to send when there are none. */
  async analyze(text: string): Promise<ManifestAnalysis> {
    return this.#analyze(text, true);
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    for (const job of this.#queue.splice(0)) job.resolve(problemOnly('The backend is stopping; the manifest was not checked.'));
    if (this.#current) this.#finish(this.#current, problemOnly('The backend is stopping; the manifest was not checked.'));
    await this.#stopWorker();
  }

  #analyze(text: string, documents: boolean): Promise<ManifestAnalysis> {
    if (this.#disposed) return Promise.resolve(problemOnly('The backend is stopping; the manifest was not checked.'));
    if (text.length < this.#inlineBelowChars) {
      const { analysis, parsed } = this.#last.analyze(text, this.#schema);
      if (parsed) this.#parses++;
      return Promise.resolve(analysis);
    }
    return new Promise((resolve) => {
      this.#queue.push({ id: this.#nextId++, text, documents, resolve });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#current || this.#disposed) return;
    const job = this.#queue.shift();
    if (!job) {
      this.#running?.worker.unref();
      this.#idleTimer ??= setTimeout(() => {
        this.#idleTimer = null;
        if (!this.#current && this.#queue.length === 0) void this.#stopWorker();
      }, this.#idleMs).unref();
      return;
    }
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#current = job;
    let running: RunningWorker;
    try {
      running = this.#worker();
    } catch (error) {
      this.#finish(job, problemOnly(`Labdeck could not start its manifest checker (${describe(error)}). Restart Labdeck; if it happens again, report it.`));
      return;
    }
    // A job in flight keeps the process alive; an idle worker does not.
    running.worker.ref();
    if (running.schemaVersion !== this.#schema.version) {
      const schema = this.#schema;
      this.#post(running, { type: 'schema', version: schema.version, json: schema.live ? (schema.json ??= JSON.stringify(schema.value)) : null });
      running.schemaVersion = this.#schema.version;
    }
    this.#post(running, { type: 'analyze', id: job.id, text: job.text, schemaVersion: running.schemaVersion, documents: job.documents });
    if (running.ready) this.#startClock(job);
  }

  #startClock(job: Job): void {
    job.timer = setTimeout(() => {
      if (this.#current !== job) return;
      void this.#stopWorker();
      const seconds = Math.round(this.#timeoutMs / 100) / 10;
      this.#finish(
        job,
        problemOnly(
          `Checking this manifest took longer than ${seconds} s, so it was stopped. Split it into smaller files and apply them one at a time, or remove what the lab does not need; the editor keeps working meanwhile.`,
        ),
      );
    }, this.#timeoutMs);
  }

  #post(running: RunningWorker, request: Request): void {
    running.worker.postMessage(request);
  }

  #worker(): RunningWorker {
    if (this.#running) return this.#running;
    const worker = startWorker();
    this.#workersStarted++;
    const running: RunningWorker = { worker, schemaVersion: 0, ready: false };
    this.#running = running;
    running.startupTimer = setTimeout(() => {
      if (this.#running !== running || running.ready) return;
      void this.#stopWorker();
      const job = this.#current;
      if (job) this.#finish(job, problemOnly('Labdeck\'s manifest checker did not start in time (the machine may be very busy). Try again in a moment.'));
    }, this.#startupTimeoutMs);
    running.startupTimer.unref();
    worker.on('message', (data: unknown) => this.#onMessage(running, data));
    worker.on('error', (error) => this.#onGone(running, `it failed: ${describe(error)}`));
    worker.on('exit', (code) => this.#onGone(running, `it exited with code ${code}`));
    return running;
  }

  #onMessage(running: RunningWorker, data: unknown): void {
    if (this.#running !== running) return;
    const job = this.#current;
    const response = ResponseSchema.safeParse(data);
    if (response.success && response.data.type === 'ready' && !running.ready) {
      running.ready = true;
      clearTimeout(running.startupTimer);
      if (job) this.#startClock(job);
      return;
    }
    if (!response.success || response.data.type === 'ready' || !job || response.data.id !== job.id) {
      // A worker that says something unexpected cannot be trusted with the next job either.
      void this.#stopWorker();
      if (job) this.#finish(job, problemOnly('Labdeck\'s manifest checker gave an answer it could not use. Try again; if it happens again, restart Labdeck.'));
      return;
    }
    if (response.data.type === 'failure') {
      this.#finish(job, problemOnly(`Labdeck could not check this manifest (${response.data.message}). Try again; if it happens again, report it with the manifest.`));
      return;
    }
    if (response.data.parsed) this.#parses++;
    const analysis = decodeResult(response.data);
    if ('invalid' in analysis) {
      void this.#stopWorker();
      this.#finish(job, problemOnly(`Labdeck's manifest checker gave an answer it could not use: ${analysis.invalid}. Try again.`));
      return;
    }
    this.#finish(job, analysis);
  }

  #onGone(running: RunningWorker, why: string): void {
    if (this.#running !== running) return;
    this.#running = null;
    const job = this.#current;
    if (job) {
      this.#finish(
        job,
        problemOnly(`Labdeck's manifest checker stopped while checking this manifest (${why}). A manifest this large or this deeply nested may need splitting into smaller files; then try again.`),
      );
    }
  }

  #finish(job: Job, analysis: ManifestAnalysis): void {
    if (job.timer) clearTimeout(job.timer);
    if (this.#current === job) this.#current = null;
    job.resolve(analysis);
    this.#dispatch();
  }

  async #stopWorker(): Promise<void> {
    const running = this.#running;
    this.#running = null;
    clearTimeout(running?.startupTimer);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    await running?.worker.terminate();
  }
}

function problemOnly(message: string): ManifestAnalysis {
  return { problems: [{ line: 1, column: 1, message, source: 'yaml' }], documents: [] };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const workerOptions = { resourceLimits: { maxOldGenerationSizeMb: workerHeapMb } };

/**
 * From a bundle, the worker is its own bundled entry beside it. From the sources, it is TypeScript: the
 * worker registers tsx itself, because loaders registered in this thread (tsx's API, vitest) do not carry
 * over to a worker and `--import tsx` in its execArgv does not cover its entry module.
 */
function startWorker(): Worker {
  if (typeof LABDECK_MANIFEST_WORKER === 'string') {
    return new Worker(new URL(`../../../${LABDECK_MANIFEST_WORKER}`, import.meta.url), workerOptions);
  }
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./manifest-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...workerOptions, eval: true });
}
