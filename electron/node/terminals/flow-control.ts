/**
 * Output pacing between a shell and the renderer showing it.
 *
 * The shell's output is always read into the backend's screen mirror (screen-mirror.ts); only the mirror's
 * own parse backlog pauses the source. What travels to the renderer is paced by acknowledgements: up to
 * HIGH_WATERMARK bytes may be unacknowledged; beyond that the renderer is lagging and gets nothing more
 * until it has caught up to LOW_WATERMARK, and then it gets the current screen instead of the backlog it
 * missed. Pausing the docker exec stream for the renderer's sake, as before, left ~1.3 MB in socket queues
 * out of Ctrl-C's reach (issue 13).
 *
 * The window is 512 KB because the page keeps what it received in its own queue, which a Ctrl-C empties
 * at once (renderer output-queue.ts), so a larger window no longer means output playing on after Ctrl-C;
 * with 256 KB and a resume at 64 KB, bench-terminal.ts measured 0.4-0.54x xterm alone for the host shell,
 * with a larger window about 0.8x. LOW is half of HIGH, so the next screen and the output after it are on
 * their way while the page still has output to parse. Not more: what is in flight but not yet read by the
 * page (Chromium reads its socket between xterm's parse slices) still arrives after a Ctrl-C, to be dropped
 * unparsed, and in Chromium 1 MB measured no faster than 512 KB (bench-terminal-browser.ts).
 */
export const FlowControl = {
  HIGH_WATERMARK_BYTES: 512_000,
  LOW_WATERMARK_BYTES: 256_000,
  /** A Ctrl-C typed with more than this unacknowledged drops the backlog and resyncs the screen. */
  INTERRUPT_BEHIND_BYTES: 64_000,
  /**
   * The mirror's parse backlog at which the shell's output is paused, and where it resumes. Above the
   * mirror's largest batch (LAZY_MIRROR_MAX_BYTES in terminal-service.ts, 1 MB): with 128 KB / 32 KB every
   * batch of output full of escape sequences paused the source until the mirror had parsed nearly all of
   * it, so reading and parsing took turns instead of overlapping. A plain-text flood never gets near
   * either (only its tail is parsed).
   */
  MIRROR_HIGH_BYTES: 2_000_000,
  MIRROR_LOW_BYTES: 1_000_000,
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
