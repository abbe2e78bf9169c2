const BEL = '\u0007';
const ST = '\u001b\\';
/** By default a marker longer than this is not ours (a line of 16 KB in hex is 32 KB): the buffer stops growing. */
const MAX_MARKER = 64 * 1024;

/**
 * Finds Labdeck's invisible terminal sequences (`ESC ] 6973 ; <name> = <body> BEL`, or ended by ESC \) in a
 * shell's output, wherever chunk boundaries split them, and hands over each body.
 */
export class OscMarkerScanner {
  readonly #prefix: string;
  readonly #onBody: (body: string) => void;
  readonly #maxBytes: number;
  /** Output not yet searched: a marker may be split across chunks. */
  #pending = '';

  constructor(prefix: string, onBody: (body: string) => void, maxBytes = MAX_MARKER) {
    this.#prefix = prefix;
    this.#onBody = onBody;
    this.#maxBytes = maxBytes;
  }

  feed(chunk: string): void {
    let text = this.#pending + chunk;
    this.#pending = '';
    for (;;) {
      const start = text.indexOf(this.#prefix);
      if (start < 0) {
        this.#pending = this.#partialTail(text);
        return;
      }
      const bodyStart = start + this.#prefix.length;
      const end = terminatorAt(text, bodyStart);
      if (end === undefined) {
        const rest = text.slice(start);
        this.#pending = rest.length > this.#maxBytes ? '' : rest;
        return;
      }
      this.#onBody(text.slice(bodyStart, end.index));
      text = text.slice(end.index + end.length);
    }
  }

  /** The end of `text` that could be the start of a marker split by the chunk boundary. */
  #partialTail(text: string): string {
    for (let length = Math.min(this.#prefix.length - 1, text.length); length > 0; length -= 1) {
      if (this.#prefix.startsWith(text.slice(-length))) return text.slice(-length);
    }
    return '';
  }
}

function terminatorAt(text: string, from: number): { index: number; length: number } | undefined {
  const bel = text.indexOf(BEL, from);
  const st = text.indexOf(ST, from);
  if (bel < 0 && st < 0) return undefined;
  if (st < 0 || (bel >= 0 && bel < st)) return { index: bel, length: 1 };
  return { index: st, length: 2 };
}
