import type { ExecOutcome, LabContainers } from '../../backend/ports.ts';
import { ReaderShell, ReaderShellError, type OpenShellChannel } from './reader-shell.ts';

/** How long the shells stay open after the last read: an attendee sending requests keeps them warm. */
export const READER_IDLE_MS = 60_000;
/** The most one read may print. The nat table and conntrack of a lab cluster are well under 1 MiB. */
export const READER_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

export interface NodeReaderShellsOptions {
  containers: Pick<LabContainers, 'containerFor'>;
  open: OpenShellChannel;
  idleMs?: number;
  maxOutputBytes?: number;
}

/**
 * One reader shell per node while the tracer reads, none at rest. A shell is opened by the first read of a
 * node, reused by every read after it, and closed READER_IDLE_MS after the last one (one timer, nothing
 * runs in the nodes meanwhile). It is opened again, in the node's container of the moment, when its stream
 * died: when the container stopped (a node being recreated stops first), the shell was killed, the
 * connection to Docker broke.
 */
export class NodeReaderShells {
  readonly #options: Required<NodeReaderShellsOptions>;
  readonly #shells = new Map<string, ReaderShell>();
  readonly #opening = new Map<string, Promise<ReaderShell>>();
  #idleTimer: NodeJS.Timeout | null = null;
  #active = 0;
  #generation = 0;
  #disposed = false;

  constructor(options: NodeReaderShellsOptions) {
    this.#options = { idleMs: READER_IDLE_MS, maxOutputBytes: READER_MAX_OUTPUT_BYTES, ...options };
  }

  /** How many shells are open now. */
  get openCount(): number {
    return [...this.#shells.values()].filter((shell) => shell.alive).length;
  }

  /**
   * Runs a script on a node; null when the node has no running container. A shell that ended (its
   * container stopped, the connection broke) is replaced once and the script run again: reads change nothing.
   */
  async run(node: string, script: string, options: { timeoutMs: number }): Promise<ExecOutcome | null> {
    this.#active += 1;
    this.#stopIdleTimer();
    try {
      for (let attempt = 0; ; attempt += 1) {
        const shell = await this.#shellFor(node);
        if (!shell) return null;
        try {
          return await shell.run(script, options);
        } catch (error) {
          if (!(error instanceof ReaderShellError) || error.reason !== 'ended' || attempt > 0) throw error;
        }
      }
    } finally {
      this.#active -= 1;
      if (this.#active === 0) this.#startIdleTimer();
    }
  }

  /** Closes every shell now (tracing stopped, the cluster changed, the tracer was disposed). */
  closeAll(): void {
    this.#generation += 1;
    this.#stopIdleTimer();
    for (const shell of this.#shells.values()) shell.close();
    this.#shells.clear();
    this.#opening.clear();
  }

  /** Closes every shell for good: later reads find no node. */
  dispose(): void {
    this.#disposed = true;
    this.closeAll();
  }

  async #shellFor(node: string): Promise<ReaderShell | null> {
    if (this.#disposed) return null;
    // A live shell is in the node's current container: a node is recreated only after its old container
    // stopped, which ends the shell's stream. So the container is looked up (a Docker API call) only to open.
    const current = this.#shells.get(node);
    if (current?.alive) return current;
    if (current) this.#shells.delete(node);
    const containerId = await this.#options.containers.containerFor({ kind: 'node', node });
    if (!containerId || this.#disposed) return null;
    const alive = this.#shells.get(node);
    if (alive?.alive && alive.containerId === containerId) return alive;
    alive?.close();
    const key = `${node}\n${containerId}`;
    let opening = this.#opening.get(key);
    if (!opening) {
      const generation = this.#generation;
      opening = ReaderShell.open(this.#options.open, containerId, { maxOutputBytes: this.#options.maxOutputBytes }).then((shell) => {
        // Closed while it was opening: it must not outlive the closeAll() that came meanwhile.
        if (generation !== this.#generation) shell.close();
        else this.#shells.set(node, shell);
        return shell;
      });
      this.#opening.set(key, opening);
      const settled = opening;
      void settled
        .finally(() => {
          if (this.#opening.get(key) === settled) this.#opening.delete(key);
        })
        .catch(() => undefined);
    }
    return opening;
  }

  #startIdleTimer(): void {
    this.#stopIdleTimer();
    if (this.#shells.size === 0) return;
    this.#idleTimer = setTimeout(() => this.closeAll(), this.#options.idleMs);
    // An idle timer must not keep a CLI or a test process alive.
    this.#idleTimer.unref();
  }

  #stopIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }
}
