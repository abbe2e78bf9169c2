/**
 * Output read from a shell and not sent to the renderer yet: contiguous, in order, starting at stream
 * position `start`. The terminal service sends from it as the renderer acknowledges what it parsed, so an
 * ordinary long output reaches the page whole (flow-control.ts, BACKLOG_MAX_BYTES).
 */
export class OutputBacklog {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #start = 0;
  #sinceEmpty = 0;

  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Bytes that came in since the backlog was last empty, sent meanwhile or not: how much arrived while the
   * renderer was behind. A burst (a long listing) ends; a flood keeps this growing however fast the page is.
   */
  get sinceEmpty(): number {
    return this.#sinceEmpty;
  }

  /** The stream position of the first byte waiting. */
  get start(): number {
    return this.#start;
  }

  /** Appends `chunks`, whose first byte is at stream position `start` (right after what waits already). */
  push(chunks: readonly Uint8Array[], start: number): void {
    if (this.#bytes === 0) {
      this.#start = start;
      this.#sinceEmpty = 0;
    }
    for (const chunk of chunks) {
      this.#sinceEmpty += chunk.byteLength;
      this.#chunks.push(chunk);
      this.#bytes += chunk.byteLength;
    }
  }

  /**
   * Removes and returns the first `size` bytes at most, in a buffer of their own: Electron's IPC clones a
   * view's whole underlying buffer, and the event schema bounds a chunk.
   */
  take(size: number): Uint8Array {
    const piece = new Uint8Array(Math.min(size, this.#bytes));
    let filled = 0;
    while (filled < piece.byteLength) {
      const chunk = this.#chunks[0]!;
      const take = Math.min(piece.byteLength - filled, chunk.byteLength);
      piece.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take === chunk.byteLength) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    this.#bytes -= filled;
    this.#start += filled;
    return piece;
  }

  clear(): void {
    this.#start += this.#bytes;
    this.#chunks = [];
    this.#bytes = 0;
    this.#sinceEmpty = 0;
  }
}

/**
 * What of `bytes` the mirror must parse to end up with the same screen. A plain-text flood (`yes`, `cat`
 * of a log, `seq`: printable characters, UTF-8, tab, CR and LF only) changes no terminal state but the
 * rows it scrolls through, so when at least twice the screen's height of whole lines follows it, every
 * visible row (and any remnant of a partly overwritten one) comes from those lines and the flood before
 * them can be skipped; `keepLines` (at least twice the rows) also keeps some scrollback. Anything with
 * escape sequences or other controls is parsed in full.
 */
export function mirrorTail(bytes: Uint8Array, keepLines: number): Uint8Array {
  let newlines = 0;
  let cut = -1;
  for (let index = bytes.byteLength - 1; index >= 0; index--) {
    if (bytes[index] === 0x0a && ++newlines > keepLines) {
      cut = index + 1;
      break;
    }
  }
  if (cut <= 0) return bytes;
  for (let index = 0; index < cut; index++) {
    const byte = bytes[index]!;
    if (byte < 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return bytes;
    if (byte === 0x7f) return bytes;
    // U+0080-U+009F in UTF-8: C1 controls, which xterm treats like their escape sequences (CSI, OSC…).
    if (byte === 0xc2 && (bytes[index + 1] ?? 0) >= 0x80 && (bytes[index + 1] ?? 0) <= 0x9f) return bytes;
  }
  return bytes.subarray(cut);
}
