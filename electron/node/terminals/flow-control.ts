/**
 * Output pacing between a shell and the renderer showing it.
 *
 * The shell's output is always read into the backend's screen mirror (screen-mirror.ts); only the mirror's
 * own parse backlog pauses the source. What travels to the renderer is paced by acknowledgements: up to
 * HIGH_WATERMARK bytes may be unacknowledged (enough to keep xterm parsing at full speed between acks;
 * bench-terminal showed no throughput gained from 512 KB or 1 MB, while up to that much could still arrive
 * after a Ctrl-C, unread in socket buffers);
 * beyond that the renderer is lagging and gets nothing more until it has caught up to LOW_WATERMARK, and
 * then it gets the current screen instead of the backlog it missed. Pausing the docker exec stream for the
 * renderer's sake, as before, left ~1.3 MB in socket queues out of Ctrl-C's reach (issue 13).
 */
export const FlowControl = {
  HIGH_WATERMARK_BYTES: 256_000,
  LOW_WATERMARK_BYTES: 64_000,
  /** A Ctrl-C typed with more than this unacknowledged drops the backlog and resyncs the screen. */
  INTERRUPT_BEHIND_BYTES: 64_000,
  /** The mirror's parse backlog at which the shell's output is paused, and where it resumes. */
  MIRROR_HIGH_BYTES: 128_000,
  MIRROR_LOW_BYTES: 32_000,
} as const;

/**
 * Bytes sent to the renderer and not yet acknowledged. Acks name a stream position (seq), not a byte
 * count, so output the renderer dropped because a newer screen replaced it is acknowledged implicitly by
 * the next ack and a resync never leaves the count stuck.
 */
export class InFlight {
  #sent: { seq: number; bytes: number }[] = [];
  #bytes = 0;
  #acked = 0;

  get bytes(): number {
    return this.#bytes;
  }

  sent(seq: number, bytes: number): void {
    this.#sent.push({ seq, bytes });
    this.#bytes += bytes;
  }

  acknowledged(seq: number): void {
    if (seq <= this.#acked) return;
    this.#acked = seq;
    let drop = 0;
    while (drop < this.#sent.length && (this.#sent[drop]?.seq ?? Infinity) <= seq) {
      this.#bytes -= this.#sent[drop]?.bytes ?? 0;
      drop++;
    }
    if (drop > 0) this.#sent.splice(0, drop);
  }

  /** A new renderer took over (reconnect): whatever the old one never acknowledged never will be. */
  reset(): void {
    this.#sent = [];
    this.#bytes = 0;
  }
}
