/**
 * Output flow control, modelled on VS Code's FlowControlConstants: the backend pauses a shell once the
 * renderer lags more than HIGH_WATERMARK bytes behind and resumes it when the renderer has caught up to
 * within LOW_WATERMARK. That keeps `yes` from flooding the transport and lets Ctrl-C be seen at once.
 */
export const FlowControl = {
  HIGH_WATERMARK_BYTES: 100_000,
  LOW_WATERMARK_BYTES: 5_000,
  /** The renderer acknowledges after processing roughly this many bytes. */
  ACK_SIZE_BYTES: 5_000,
} as const;

export interface Pausable {
  pause(): void;
  resume(): void;
}

/** Tracks bytes sent but not yet acknowledged for one shell and pauses/resumes it at the watermarks. */
export class FlowController {
  #unacked = 0;
  #paused = false;

  constructor(private readonly target: Pausable) {}

  get unackedBytes(): number {
    return this.#unacked;
  }

  get paused(): boolean {
    return this.#paused;
  }

  sent(bytes: number): void {
    this.#unacked += bytes;
    if (!this.#paused && this.#unacked > FlowControl.HIGH_WATERMARK_BYTES) {
      this.#paused = true;
      this.target.pause();
    }
  }

  acknowledged(bytes: number): void {
    this.#unacked = Math.max(0, this.#unacked - bytes);
    this.#resumeIfCaughtUp();
  }

  /** A new client took over (reconnect): whatever the old one never acknowledged will never be. */
  reset(): void {
    this.#unacked = 0;
    this.#resumeIfCaughtUp();
  }

  #resumeIfCaughtUp(): void {
    if (this.#paused && this.#unacked < FlowControl.LOW_WATERMARK_BYTES) {
      this.#paused = false;
      this.target.resume();
    }
  }
}
