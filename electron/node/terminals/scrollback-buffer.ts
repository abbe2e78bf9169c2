/**
 * The last `capacity` bytes a shell printed, kept as raw bytes so a replay after a tab switch or a
 * reconnect shows exactly what the terminal showed.
 */
export class ScrollbackBuffer {
  #chunks: Uint8Array[] = [];
  #size = 0;

  constructor(readonly capacity: number = 1024 * 1024) {}

  get size(): number {
    return this.#size;
  }

  append(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    if (this.#size > this.capacity) this.#trim();
  }

  /** Everything kept, oldest first, as one array. */
  contents(): Uint8Array {
    const out = new Uint8Array(this.#size);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    if (this.#chunks.length > 1) this.#chunks = [out];
    return out;
  }

  clear(): void {
    this.#chunks = [];
    this.#size = 0;
  }

  #trim(): void {
    let excess = this.#size - this.capacity;
    while (excess > 0) {
      const head = this.#chunks[0];
      if (!head) break;
      if (head.byteLength <= excess) {
        this.#chunks.shift();
        this.#size -= head.byteLength;
        excess -= head.byteLength;
        continue;
      }
      // Cut at the next line break after the excess so a replay never starts inside a UTF-8 sequence or
      // an escape sequence (lines are where terminals are least stateful).
      const newline = head.indexOf(0x0a, excess);
      const cut = newline === -1 ? head.byteLength : newline + 1;
      if (cut >= head.byteLength) {
        this.#chunks.shift();
        this.#size -= head.byteLength;
      } else {
        this.#chunks[0] = head.subarray(cut);
        this.#size -= cut;
      }
      excess = 0;
    }
  }
}
