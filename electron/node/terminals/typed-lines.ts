import { ReadlineLine } from './readline-line.ts';

const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';
/** Lines waiting for their shell's report; more are typed-ahead floods, and the oldest are dropped. */
const MAX_PENDING = 200;
/** A command line bash assembles from several entered lines (`\`, open quotes, `for ... do ... done`). */
const MAX_JOINED = 20;

interface Submission {
  /** The line as rebuilt from the keys; pasted lines keep their newlines. */
  line: string;
  /** Tab completion, history search or history recall beyond this terminal filled in part of the line. */
  assisted: boolean;
  /** With assistance: the line before the first assisting key, and the printable keys typed after it. */
  prefix: string;
  typedAfter: string;
  /** When Enter was pressed (ISO-8601): the line's start, as Labdeck saw it. */
  enteredAt: string;
  /** Entered before the shell's last believed report arrived: read by the running command, or typed ahead. */
  stale: boolean;
}

/** Compares lines the way bash stores them: joined lines gain `;`, continuation `\` and spacing vanish. */
const key = (text: string): string => text.replace(/[\s;\\]+/g, '');

function isSubsequence(needle: string, haystack: string): boolean {
  let at = 0;
  for (const char of needle) {
    at = haystack.indexOf(char, at) + 1;
    if (at === 0) return false;
  }
  return true;
}

/**
 * The witness Labdeck's own terminal keeps of what the attendee entered. A shell reports each command line
 * it ran (a prompt marker, the jumphost's record); that report is believed only when it is the line entered
 * next in this terminal. Output is not input: a marker printed by a command (`printf` of Labdeck's escape
 * sequence) claims a line that was not the one typed, and is refused. Reports are taken in order, and a line
 * entered while another command ran is never believed: typed into `read` or a pod's shell it would otherwise
 * stand in for a command that did not run (the price: a line typed ahead counts only when run again).
 */
export class TypedLines {
  readonly #editor = new ReadlineLine();
  readonly #known: (command: string) => boolean;
  readonly #now: () => Date;
  #pending: Submission[] = [];
  #assisted = false;
  #prefix = '';
  #typedAfter = '';
  #pasting = false;

  /** `known`: whether a line was entered and credited before in this kind of terminal (history recall). */
  constructor(options: { known?: (command: string) => boolean; now?: () => Date } = {}) {
    this.#known = options.known ?? (() => false);
    this.#now = options.now ?? (() => new Date());
  }

  input(data: string): void {
    for (const typed of this.#editor.keys(data)) {
      if (typed === PASTE_START || typed === PASTE_END) {
        this.#pasting = typed === PASTE_START;
        continue;
      }
      // Inside a bracketed paste readline inserts newlines into the line; bash runs it all on the next Enter.
      if (this.#pasting && (typed === '\r' || typed === '\n')) {
        this.#editor.insert('\n');
        continue;
      }
      const effect = this.#editor.key(typed);
      if (effect === 'submitted') this.#submit();
      else if (effect === 'abandoned') this.#reset();
      else if (effect === 'recalled') this.#reset();
      else if (effect === 'completed' && !this.#assisted) {
        this.#assisted = true;
        this.#prefix = this.#editor.text;
      } else if (effect === 'edited' && this.#assisted && typed.length === 1) this.#typedAfter += typed;
    }
  }

  /**
   * Whether `command`, reported by the shell, is the line entered next (or several entered lines bash joined
   * into one): when its first line was entered, or undefined when the report is not believed. A believed
   * report uses up its lines; the lines entered before it became stale.
   */
  witness(command: string): string | undefined {
    const start = this.#pending.findIndex((submission) => !submission.stale);
    if (start < 0) return undefined;
    for (let count = 1; count <= Math.min(MAX_JOINED, this.#pending.length - start); count += 1) {
      if (!this.#consistent(this.#pending.slice(start, start + count), command)) continue;
      const enteredAt = this.#pending[start]!.enteredAt;
      this.#pending = this.#pending.slice(start + count).map((submission) => ({ ...submission, stale: true }));
      return enteredAt;
    }
    return undefined;
  }

  /**
   * The shell shows a prompt without reporting a line (an empty line, Ctrl-C, a line kept out of history):
   * what was entered before it will never be reported, and cannot be claimed later.
   */
  promptShown(): void {
    this.#pending = this.#pending.map((submission) => ({ ...submission, stale: true }));
  }

  #consistent(submissions: Submission[], command: string): boolean {
    const reported = key(command);
    if (reported === '') return false;
    if (submissions.length === 1) {
      const [only] = submissions as [Submission];
      // A pasted block runs line by line; bash's report may name its last line only.
      const lines = [only.line, ...only.line.split('\n')];
      if (!only.assisted && !only.line.includes('!')) return lines.some((line) => key(line) === reported);
      if (only.assisted && (key(only.prefix) !== '' || key(only.typedAfter) !== '')) {
        const prefix = key(only.prefix);
        if (reported.startsWith(prefix) && isSubsequence(key(only.typedAfter), reported.slice(prefix.length))) return true;
      }
      // History expansion (`!!`) or a line recalled from before this terminal: only a line run before.
      return this.#known(command.trim());
    }
    if (submissions.some((submission) => submission.assisted || submission.line.includes('!'))) return this.#known(command.trim());
    return key(submissions.map((submission) => submission.line).join('\n')) === reported;
  }

  #submit(): void {
    const line = this.#editor.enter();
    if (line.trim() !== '' || this.#assisted) {
      this.#pending.push({ line, assisted: this.#assisted, prefix: this.#prefix, typedAfter: this.#typedAfter, enteredAt: this.#now().toISOString(), stale: false });
      if (this.#pending.length > MAX_PENDING) this.#pending = this.#pending.slice(-MAX_PENDING);
    }
    this.#reset();
  }

  #reset(): void {
    this.#assisted = false;
    this.#prefix = '';
    this.#typedAfter = '';
  }
}
