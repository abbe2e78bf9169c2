/**
 * The page-side queue between the backend's output events and xterm. xterm's own write buffer cannot be
 * emptied, so only a bounded amount is handed to it at a time; the rest waits here, where a Ctrl-C can
 * drop it at once (the backend then sends the current screen). That is what lets the backend keep half a
 * megabyte in flight (electron/node/terminals/flow-control.ts), enough that xterm never waits for the
 * next chunk, without a Ctrl-C having to play that backlog out. Processed output is acknowledged by
 * stream position, in batches, which paces the backend.
 */
export interface OutputQueueOptions {
  /** Hands bytes to xterm; `done` runs once xterm has parsed them. */
  write(bytes: Uint8Array | string, done: () => void): void;
  /** Tells the backend the output up to `seq` is processed. */
  ack(seq: number): void;
  /**
   * Bytes handed to xterm and not parsed yet, at most. Small: xterm's write callbacks run inside its
   * parse loop, so the next piece is handed over before the loop ends, and what xterm holds is what a
   * Ctrl-C cannot drop.
   */
  maxInTerminalBytes?: number;
  /** Acknowledge after this many processed bytes, or when the queue runs dry. */
  ackEveryBytes?: number;
  /**
   * Backlog beyond which a Ctrl-C drops the queued output (interrupt()). Below it the rest plays out: it
   * is at most a few screens, and the shell's own `^C` and prompt follow it.
   */
  interruptBacklogBytes?: number;
}

export class OutputQueue {
  readonly #write: OutputQueueOptions['write'];
  readonly #ack: OutputQueueOptions['ack'];
  readonly #maxInTerminal: number;
  readonly #ackEvery: number;
  readonly #interruptBacklog: number;
  #queue: { bytes: Uint8Array; seq: number }[] = [];
  #queuedBytes = 0;
  #inTerminalBytes = 0;
  /** Bumped by clear(): callbacks of writes from before it no longer count. */
  #generation = 0;
  #processedSeq = 0;
  #ackedSeq = 0;
  #unackedBytes = 0;

  constructor(options: OutputQueueOptions) {
    this.#write = options.write;
    this.#ack = options.ack;
    this.#maxInTerminal = options.maxInTerminalBytes ?? 32 * 1024;
    this.#ackEvery = options.ackEveryBytes ?? 64 * 1024;
    this.#interruptBacklog = options.interruptBacklogBytes ?? 16 * 1024;
  }

  /** Output received and not parsed by xterm yet: how far behind the page is. */
  get backlogBytes(): number {
    return this.#queuedBytes + this.#inTerminalBytes;
  }

  push(bytes: Uint8Array, seq: number): void {
    // Events carry up to 256 KB; pieces of the in-xterm bound keep what xterm holds small. A piece's
    // seq is the stream position of its last byte.
    const piece = this.#maxInTerminal;
    for (let start = 0; start < bytes.byteLength; start += piece) {
      const end = Math.min(bytes.byteLength, start + piece);
      this.#queue.push({ bytes: bytes.subarray(start, end), seq: seq - (bytes.byteLength - end) });
    }
    this.#queuedBytes += bytes.byteLength;
    this.#pump();
  }

  /**
   * Writes `data` (a screen from the backend) after what xterm already has, dropping everything queued,
   * and acknowledges `seq` once it is painted.
   */
  replace(data: string, seq: number): void {
    this.clear();
    this.#inTerminalBytes += data.length;
    const generation = this.#generation;
    this.#write(data, () => {
      if (generation !== this.#generation) return;
      this.#inTerminalBytes -= data.length;
      this.#processed(seq, data.length);
      this.#pump();
    });
  }

  /** Output that was dropped unseen (superseded by a screen still to come) counts as processed. */
  skip(seq: number): void {
    this.#processed(seq, 0);
    this.#flushAck();
  }

  /**
   * The user typed Ctrl-C. With more than a little output still to parse, everything not yet in xterm is
   * dropped and true is returned: the caller then asks the backend for the screen as it stands once the
   * shell has stopped, and skips output until it arrives.
   */
  interrupt(): boolean {
    if (this.backlogBytes <= this.#interruptBacklog) return false;
    this.clear();
    return true;
  }

  /** Drops what xterm has not been given yet. */
  clear(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  /** Forget everything: after an attach the backend counts from its snapshot. */
  reset(seq: number): void {
    this.clear();
    this.#generation++;
    this.#inTerminalBytes = 0;
    this.#processedSeq = seq;
    this.#ackedSeq = seq;
    this.#unackedBytes = 0;
  }

  #pump(): void {
    while (this.#inTerminalBytes < this.#maxInTerminal) {
      const next = this.#queue.shift();
      if (!next) break;
      this.#queuedBytes -= next.bytes.byteLength;
      this.#inTerminalBytes += next.bytes.byteLength;
      const generation = this.#generation;
      this.#write(next.bytes, () => {
        if (generation !== this.#generation) return;
        this.#inTerminalBytes -= next.bytes.byteLength;
        this.#processed(next.seq, next.bytes.byteLength);
        this.#pump();
      });
    }
    if (this.backlogBytes === 0) this.#flushAck();
  }

  #processed(seq: number, bytes: number): void {
    if (seq > this.#processedSeq) this.#processedSeq = seq;
    this.#unackedBytes += bytes;
    if (this.#unackedBytes >= this.#ackEvery) this.#flushAck();
  }

  #flushAck(): void {
    if (this.#processedSeq <= this.#ackedSeq) return;
    this.#ackedSeq = this.#processedSeq;
    this.#unackedBytes = 0;
    this.#ack(this.#ackedSeq);
  }
}
