import crypto from 'node:crypto';

/**
 * The framing of a reader shell (reader-shell.ts): commands go in on the shell's stdin, and the output of each
 * one ends with a line only this shell prints, `<marker> <sequence> <exit status>`, after a newline of its
 * own. The marker is random per shell and never appears on any command line in the node (printf is a shell
 * builtin), so nothing a command prints can end its frame early; the sequence number ties the line to the
 * command it ends.
 */

export interface Frame {
  seq: number;
  exitCode: number;
  output: Buffer;
}

export type FrameResult = { kind: 'frame'; frame: Frame } | { kind: 'overflow'; bytes: number } | { kind: 'broken'; line: string };

export function newMarker(): string {
  return `labdeck-end-${crypto.randomBytes(16).toString('hex')}`;
}

/**
 * The text written to the shell for one command. Its stdin is /dev/null, so it cannot swallow the commands
 * that follow; its stderr joins its stdout, as in a one-off exec. The script comes from this program only
 * (fixed commands and addresses that passed a strict pattern), never from the attendee.
 */
export function framedCommand(script: string, marker: string, seq: number): string {
  return `{ ${script}\n} </dev/null 2>&1; printf '\\n%s %s %s\\n' '${marker}' ${seq} "$?"\n`;
}

/**
 * Collects one command's output until its end line. Holds at most maxBytes of output (plus the end line):
 * a command that prints more is reported as an overflow, and its shell must be closed since the rest of that
 * output is still on its way.
 */
export class FrameReader {
  readonly #needle: Buffer;
  readonly #maxBytes: number;
  #chunks: Buffer[] = [];
  #length = 0;
  /** The last bytes already searched, short of a whole needle: a needle may straddle two chunks. */
  #tail: Buffer = Buffer.alloc(0);
  /** Where the needle starts in this command's output, once seen. */
  #found = -1;

  constructor(marker: string, maxBytes: number) {
    this.#needle = Buffer.from(`\n${marker} `);
    this.#maxBytes = maxBytes;
  }

  /** Starts a new command: whatever stray output came between two commands is not part of the next one. */
  reset(): void {
    this.#chunks = [];
    this.#length = 0;
    this.#tail = Buffer.alloc(0);
    this.#found = -1;
  }

  /** Adds output; returns the frame once its end line is complete, an overflow, or null while waiting. */
  push(chunk: Buffer): FrameResult | null {
    if (this.#found < 0) {
      // Only the new bytes and the few before them are searched, so a long output costs one pass.
      const window = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk]);
      const at = window.indexOf(this.#needle);
      if (at >= 0) this.#found = this.#length - this.#tail.length + at;
      else this.#tail = Buffer.from(window.subarray(Math.max(0, window.length - this.#needle.length + 1)));
    }
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#found < 0) return this.#length > this.#maxBytes + this.#needle.length ? { kind: 'overflow', bytes: this.#length } : null;
    if (this.#found > this.#maxBytes) return { kind: 'overflow', bytes: this.#found };
    const buffer = Buffer.concat(this.#chunks);
    this.#chunks = [buffer];
    const lineStart = this.#found + this.#needle.length;
    const lineEnd = buffer.indexOf(0x0a, lineStart);
    // The end line is "<sequence> <status>": anything longer is not one.
    if (lineEnd < 0) return buffer.length - lineStart > MAX_END_LINE ? { kind: 'broken', line: printable(buffer.subarray(lineStart, lineStart + MAX_END_LINE)) } : null;
    const line = buffer.subarray(lineStart, lineEnd).toString('latin1');
    const match = /^(\d{1,15}) (\d{1,3})$/.exec(line);
    if (!match) return { kind: 'broken', line: printable(buffer.subarray(lineStart, Math.min(lineEnd, lineStart + MAX_END_LINE))) };
    const output = buffer.subarray(0, this.#found);
    this.reset();
    return { kind: 'frame', frame: { seq: Number(match[1]), exitCode: Number(match[2]), output } };
  }
}

const MAX_END_LINE = 20;

function printable(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '?');
}
