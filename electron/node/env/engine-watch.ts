/**
 * Knows whether the Docker engine is there without polling it while it is: one idle events stream, which
 * the engine closes when it stops (or the socket breaks). While the engine is away it is pinged with a
 * growing delay, capped so that it is noticed within seconds when it comes back.
 */
export interface EngineWatchDocker {
  ping(): Promise<unknown>;
  getEvents(options: { filters: Record<string, string[]> }): Promise<NodeJS.ReadableStream>;
}

export interface EngineWatchOptions {
  /** What the events stream asks for; the stream's lines go to onEvent. */
  filters: Record<string, string[]>;
  /** Called with each change of the engine's availability (and once with the first one found). */
  onChange(available: boolean): void;
  onEvent?(event: unknown): void;
  /** Delays between pings while the engine is away; the last one repeats. */
  retryDelaysMs?: number[];
}

export class EngineWatch {
  readonly #docker: EngineWatchDocker;
  readonly #options: EngineWatchOptions;
  readonly #delays: number[];
  #available: boolean | undefined;
  #stream: NodeJS.ReadableStream | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #running = false;

  constructor(docker: EngineWatchDocker, options: EngineWatchOptions) {
    this.#docker = docker;
    this.#options = options;
    this.#delays = options.retryDelaysMs ?? [500, 1000, 2000, 3000];
  }

  get available(): boolean | undefined {
    return this.#available;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#connect();
  }

  dispose(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const stream = this.#stream;
    this.#stream = null;
    (stream as { destroy?: () => void } | null)?.destroy?.();
  }

  async #connect(): Promise<void> {
    this.#timer = null;
    if (!this.#running) return;
    let stream: NodeJS.ReadableStream;
    try {
      await this.#docker.ping();
      stream = await this.#docker.getEvents({ filters: this.#options.filters });
    } catch {
      this.#set(false);
      this.#retry();
      return;
    }
    if (!this.#running) {
      (stream as { destroy?: () => void }).destroy?.();
      return;
    }
    this.#stream = stream;
    this.#attempt = 0;
    let pending = '';
    stream.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const event = parseJson(line);
        if (event !== undefined) this.#options.onEvent?.(event);
      }
    });
    // 'error' comes before 'close' on a broken socket; a clean stop of the engine only ends the stream.
    let lost = false;
    const onLost = () => {
      if (lost || this.#stream !== stream) return;
      lost = true;
      this.#stream = null;
      this.#set(false);
      this.#retry();
    };
    stream.on('error', onLost);
    stream.on('end', onLost);
    stream.on('close', onLost);
    this.#set(true);
  }

  #retry(): void {
    if (!this.#running || this.#timer) return;
    const delay = this.#delays[Math.min(this.#attempt, this.#delays.length - 1)] ?? 3000;
    this.#attempt++;
    this.#timer = setTimeout(() => void this.#connect(), delay);
    // Waiting for Docker must not keep a CLI command or a test process alive.
    this.#timer.unref?.();
  }

  #set(available: boolean): void {
    if (this.#available === available) return;
    this.#available = available;
    this.#options.onChange(available);
  }
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
