import { ReadlineLine } from './readline-line.ts';
import type { ShellRecorderOptions } from './recorder-options.ts';

/**
 * Records the command lines typed in a node terminal (master1, worker1, ... via docker exec), so that
 * node-side tasks (`cat /etc/kubernetes/manifests/kube-apiserver.yaml`, `ip route`,
 * `iptables -t nat -L KUBE-SERVICES`) are credited by the attendee's own command, like the jumphost's.
 *
 * The nodes run Labdeck's node image (Debian with bash), but a node is the cluster's machine, not the
 * attendee's workstation: no recorder is installed in it and nothing the attendee does there should depend
 * on one. Instead the shell is started with a prompt that reports the last exit status in an invisible
 * terminal sequence (OSC 6973, ignored by xterm). The same sequence carries bash's newest history entry
 * (in hex), so the line recorded is the one bash ran, after Tab completion and history expansion. What the
 * attendee typed, read with the line editing keys bash's readline understands, is only a fallback for a
 * shell that does not report its history. Input typed while a command is still running (type-ahead, or
 * input for that command) is not taken for a command line.
 */

const ESC = '\u001b';
const BEL = '\u0007';
/**
 * The marker the prompt prints: ESC ] 6973 ; labdeck-status= <status> ; <prompt number> BEL. The number
 * grows with every prompt the shell expands; readline reprints the same expanded prompt when it redraws the
 * line (history keys, Ctrl-L), so a repeated number is a redraw, not a new prompt.
 */
export const STATUS_MARKER_PREFIX = `${ESC}]6973;labdeck-status=`;
const MARKER = new RegExp(`${ESC}\\]6973;labdeck-status=([^;${BEL}${ESC}]*)(?:;([^${BEL}${ESC}]*))?(?:${BEL}|${ESC}\\\\)`, 'g');

/**
 * argv for a node terminal: bash with the status-reporting prompt. bash expands `$?` and the arithmetic in
 * PS1 at each prompt, in the shell itself, so the counter keeps counting. /etc/profile is read first (as a
 * login shell would: PATH and locale), then an interactive bash starts with --norc, so no bashrc replaces
 * the prompt set here.
 */
export function nodeShellArgv(): string[] {
  // \[ \] tell readline that the marker takes no columns, so cursor movement stays right. The history
  // entry goes out as hex so that nothing in it can end the sequence or reach the screen.
  const history = `$(HISTTIMEFORMAT= builtin history 1 | od -An -tx1 -v | tr -d ' \\n')`;
  const prompt = `\\[${STATUS_MARKER_PREFIX}$?;$((LABDECK_PROMPT+=1));${history}${BEL}\\]\\u@\\h:\\w\\$ `;
  const script = [
    '[ -r /etc/profile ] && . /etc/profile >/dev/null 2>&1',
    `PS1='${prompt.replaceAll("'", "'\\''")}'`,
    'LABDECK_PROMPT=0',
    'export PS1 LABDECK_PROMPT',
    'exec /bin/bash --norc -i',
  ].join('; ');
  return ['/bin/bash', '-c', script];
}

export interface NodeCommandRecorderOptions extends ShellRecorderOptions {
  /** The node's name, recorded as the command's terminal. */
  node: string;
}

export class NodeCommandRecorder {
  readonly #options: NodeCommandRecorderOptions;
  readonly #now: () => Date;
  /** The line being edited at the prompt, rebuilt from the keys (the fallback when bash reports no history). */
  readonly #editor = new ReadlineLine();
  /** Output kept back because it may be the start of a marker. */
  #pendingOutput = '';
  /** The shell shows a prompt and reads a command line (false while a command runs). */
  #atPrompt = false;
  #submitted: { command: string; startedAt: string } | undefined;
  #lastPromptNumber: string | undefined;
  /** The number of bash's newest history entry at the last prompt (undefined before the first). */
  #lastHistoryNumber: string | undefined;

  constructor(options: NodeCommandRecorderOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Feed what the shell printed. A status marker ends the submitted command and opens a new prompt. */
  output(chunk: string): void {
    const text = this.#pendingOutput + chunk;
    let consumed = 0;
    for (const match of text.matchAll(MARKER)) {
      const [number, historyHex] = (match[2] ?? '').split(';') as [string | undefined, string | undefined];
      const promptNumber = match[2] === undefined ? undefined : number;
      if (promptNumber === undefined || promptNumber !== this.#lastPromptNumber) this.#prompt(match[1] ?? '', historyHex === undefined ? undefined : historyEntry(historyHex));
      if (promptNumber !== undefined) this.#lastPromptNumber = promptNumber;
      consumed = match.index + match[0].length;
    }
    // Keep a possible marker start at the end for the next chunk (markers are short).
    const rest = text.slice(consumed);
    const start = rest.lastIndexOf(`${ESC}]`);
    this.#pendingOutput = start !== -1 && rest.length - start < 64 ? rest.slice(start) : '';
  }

  /** Feed what the attendee typed (or pasted) into the terminal. */
  input(data: string): void {
    for (const key of this.#editor.keys(data)) {
      // Input for a running command (type-ahead, or what the command reads) is not a command line.
      if (!this.#atPrompt) continue;
      if (this.#editor.key(key) === 'submitted') this.#submit();
    }
  }

  /**
   * A new prompt: the previous command line ended with `status`. With the shell's history entry, a new
   * entry number is the line bash ran (whatever the keys were: Tab, history recall); an unchanged one means
   * no line ran (an empty line, Ctrl-C).
   */
  #prompt(status: string, history?: { number: string; line: string }): void {
    let submitted = this.#submitted;
    this.#submitted = undefined;
    this.#atPrompt = true;
    if (history) {
      const first = this.#lastHistoryNumber === undefined;
      const ran = !first && history.number !== this.#lastHistoryNumber && history.line.trim() !== '';
      this.#lastHistoryNumber = history.number;
      if (first && history.number !== '') return;
      submitted = ran ? { command: history.line.trim(), startedAt: submitted?.startedAt ?? this.#now().toISOString() } : undefined;
    }
    if (!submitted) {
      this.#options.onPrompt?.();
      return;
    }
    const exitCode = /^[0-9]+$/.test(status) ? Number(status) : -1;
    this.#options.onRecord({
      time: this.#now().toISOString(),
      startedAt: submitted.startedAt,
      command: submitted.command,
      exitCode,
      terminal: this.#options.node,
      shellPid: this.#options.shellId,
    });
  }

  #submit(): void {
    const command = this.#editor.enter().trim();
    if (command === '') return;
    this.#submitted = { command, startedAt: this.#now().toISOString() };
    this.#atPrompt = false;
  }
}

/** bash's `history 1` line, sent as hex: "  42  cat /etc/kubernetes/manifests/kube-apiserver.yaml". */
function historyEntry(hex: string): { number: string; line: string } {
  const bytes = /^(?:[0-9a-f]{2})*$/.test(hex) ? Buffer.from(hex, 'hex').toString('utf8') : '';
  const match = /^\s*([0-9]+)\*?\s{1,2}([\s\S]*?)\n?$/.exec(bytes);
  return match ? { number: match[1]!, line: match[2]! } : { number: '', line: '' };
}
