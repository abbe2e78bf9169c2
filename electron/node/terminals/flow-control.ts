/**
 * Output pacing between a shell and the renderer showing it.
 *
 * The shell's output is always read into the backend's screen mirror (screen-mirror.ts); only the mirror's
 * own parse backlog pauses the source. What travels to the renderer is paced by acknowledgements: up to
 * HIGH_WATERMARK bytes may be unacknowledged; beyond that output waits, whole and in order, while up to
 * BACKLOG_MAX_BYTES arrive. More than that is a flood: the renderer is lagging and gets nothing more until it has
 * caught up to LOW_WATERMARK, and then it gets the current screen instead of the output it missed. Pausing the docker exec stream for the renderer's sake, as before, left ~1.3 MB in socket queues
 * out of Ctrl-C's reach (issue 13).
 *
 * The window is 128 KB, resuming at 32 KB. The page keeps what it received in its own queue, which a Ctrl-C
 * empties at once (renderer output-queue.ts), but what is in flight and not yet read by the page (Chromium
 * reads its socket only between xterm's parse slices) still arrives after a Ctrl-C, so the window bounds the
 * bytes that follow it. Measured in Chromium (bench-terminal-browser.ts, 3 runs of 5 on this 2-core machine):
 * 512/256 KB gave 0.91x/0.79x xterm alone (host/jumphost) with 374 KB after Ctrl-C; 256/64 KB 0.81-0.97x with
 * ~100-124 KB; 128/32 KB 0.86-1.15x and 0.71-1.05x with 21-74 KB and 1-86 KB. A lagging page gets the
 * current screen rather than the backlog, so a small window does not make it slower; it makes Ctrl-C cleaner.
 */
export const FlowControl = {
  HIGH_WATERMARK_BYTES: 128_000,
  LOW_WATERMARK_BYTES: 32_000,
  /**
   * Output beyond the window waits for acknowledgements, in order and whole, as long as no more than this
   * arrived while the page was behind (issue 21, terminal honesty): `kubectl get -o yaml` or `describe` of
   * a few hundred KB reaches the page's scrollback in full (the page keeps 10,000 lines, about 400-800 KB of
   * such output). More is a flood (`yes`, `cat` of a big log): what waits is dropped, and the page gets the
   * screen once it caught up. Counting what arrived, not what waits, detects a flood as soon whether the
   * page parses nearly as fast as the shell prints or not.
   */
  BACKLOG_MAX_BYTES: 1_000_000,
  /**
   * A Ctrl-C typed with more than this unacknowledged or read in the last moments (RecentBytes), or with
   * any backlog, drops what is queued for the renderer and resyncs the screen.
   */
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

/** How long each of RecentBytes' two buckets spans. */
const RECENT_BUCKET_MS = 50;

/**
 * Bytes read from a shell in the last 50 to 100 ms (two buckets): whether output is pouring in right now,
 * whatever the renderer has acknowledged. Right after a screen the renderer's window is empty, yet a flood
 * may be going on, and a Ctrl-C then must still drop what follows instead of streaming it.
 */
export class RecentBytes {
  #bucketStart = -Infinity;
  #current = 0;
  #previous = 0;

  add(bytes: number, now: number): void {
    this.#roll(now);
    this.#current += bytes;
  }

  total(now: number): number {
    this.#roll(now);
    return this.#current + this.#previous;
  }

  #roll(now: number): void {
    const elapsed = now - this.#bucketStart;
    if (elapsed < RECENT_BUCKET_MS) return;
    this.#previous = elapsed < 2 * RECENT_BUCKET_MS ? this.#current : 0;
    this.#current = 0;
    this.#bucketStart = now;
  }
}

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
