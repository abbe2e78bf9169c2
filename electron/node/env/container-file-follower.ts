import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';

/** Longest line kept: a longer one is no record of ours and is dropped, not buffered without end. */
const MAX_LINE = 1024 * 1024;

export interface FollowerOptions {
  /** The container to follow in now, or null when it does not run. */
  findContainer(): Promise<string | null>;
  /** The command that prints the file's lines and then each new one as it is written (`tail -F`). */
  argv: string[];
  user?: string;
  /** Whether this container can be followed at all (e.g. its API server keeps an audit log). */
  precondition?(containerId: string): Promise<boolean>;
  /** Every complete line; `restarted` when a new container (or the first one) starts over from its file. */
  onLines(lines: string[], restarted: boolean): void;
}

/**
 * One long-running exec that streams a file from a lab container, re-attached when the container is
 * replaced. Lines are handed over whole; a partial line waits for its end.
 */
export class ContainerFileFollower {
  readonly #docker: Docker;
  readonly #options: FollowerOptions;
  #tail: { containerId: string; stream: Duplex } | null = null;
  #attaching: Promise<void> | null = null;
  #active = false;

  constructor(docker: Docker, options: FollowerOptions) {
    this.#docker = docker;
    this.#options = options;
  }

  /** Whether an exec is streaming now. */
  get following(): boolean {
    return this.#tail !== null;
  }

  start(): Promise<void> {
    this.#active = true;
    return this.reattach();
  }

  /** Follows the current container (no-op when already following it, or when stopped). */
  reattach(): Promise<void> {
    this.#attaching ??= this.#attach().finally(() => {
      this.#attaching = null;
    });
    return this.#attaching;
  }

  stop(): void {
    this.#active = false;
    this.#tail?.stream.destroy();
    this.#tail = null;
  }

  async #attach(): Promise<void> {
    if (!this.#active) return;
    const containerId = await this.#options.findContainer();
    if (this.#tail && this.#tail.containerId === containerId) return;
    this.#tail?.stream.destroy();
    this.#tail = null;
    this.#options.onLines([], true);
    if (!containerId) return;
    if (this.#options.precondition && !(await this.#options.precondition(containerId))) return;
    const exec = await this.#docker.getContainer(containerId).exec({
      Cmd: this.#options.argv,
      AttachStdout: true,
      AttachStderr: false,
      ...(this.#options.user ? { User: this.#options.user } : {}),
    });
    const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
    if (!this.#active) {
      stream.destroy();
      return;
    }
    const stdout = new PassThrough();
    this.#docker.modem.demuxStream(stream, stdout, new PassThrough());
    this.#tail = { containerId, stream };
    let pending = '';
    stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (pending.length > MAX_LINE) pending = '';
      const complete = lines.filter((line) => line.length <= MAX_LINE);
      if (complete.length > 0) this.#options.onLines(complete, false);
    });
    stream.on('close', () => {
      if (this.#tail?.stream === stream) this.#tail = null;
    });
  }
}
