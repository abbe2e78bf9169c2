import type { TerminalTarget } from '../../electron/common/api/terminal.ts';
import type { InteractiveProcess } from '../../electron/node/backend/ports.ts';
import type { CommandRecord } from '../../electron/node/checks/check-world.ts';
import { terminalRecorderFor, type TerminalRecorder } from '../../electron/node/terminals/terminal-recorder.ts';
import { waitForTerminal } from './wait-for-terminal.ts';

/** The terminal output kept for reading back (the last characters); more is dropped from the front. */
const MAX_OUTPUT = 200_000;

/**
 * A shell on a real lab container, as the terminal service opens it, with the product's recorder fed exactly
 * as terminal-service.ts feeds it: the keys typed and the shell's output. What it believes goes to onRecord
 * (the lab's command log); what it refuses is kept for the tests of forgeries.
 */
export class RecordedTerminal {
  readonly #shell: InteractiveProcess;
  readonly #recorder: TerminalRecorder;
  readonly #records: CommandRecord[] = [];
  readonly #refused: CommandRecord[] = [];
  #output = '';
  #dropped = 0;

  constructor(target: TerminalTarget, shell: InteractiveProcess, shellId: number, onRecord: (record: CommandRecord) => void) {
    this.#shell = shell;
    this.#recorder = terminalRecorderFor(
      target,
      shellId,
      (record) => {
        this.#records.push(record);
        onRecord(record);
      },
      { onRefused: (record) => this.#refused.push(record) },
    );
    const decoder = new TextDecoder();
    shell.onData((chunk) => {
      const text = decoder.decode(chunk, { stream: true });
      this.#recorder.output(text);
      this.#output += text;
      if (this.#output.length > MAX_OUTPUT) {
        this.#dropped += this.#output.length - MAX_OUTPUT;
        this.#output = this.#output.slice(-MAX_OUTPUT);
      }
    });
  }

  /** Waits for the shell's first prompt; the shell is ended when it does not come. */
  async ready(prompt: (output: string) => boolean): Promise<void> {
    try {
      await this.waitFor(() => prompt(this.#output), 30_000, 'the first prompt');
    } catch (error) {
      this.#shell.kill();
      throw error;
    }
  }

  /**
   * Types one line and presses Enter; resolves with the record made of it (the first new one matching `which`)
   * and what the terminal printed meanwhile (escape sequences removed).
   */
  async type(line: string, timeoutMs: number, which: (record: CommandRecord) => boolean = () => true): Promise<{ record: CommandRecord; output: string }> {
    const before = this.#records.length;
    const start = this.#dropped + this.#output.length;
    this.#press(line);
    let found: CommandRecord | undefined;
    await this.waitFor(
      () => {
        found = this.#records.slice(before).find(which);
        return found !== undefined;
      },
      timeoutMs,
      `the record of \`${line}\``,
    );
    return { record: found!, output: plainText(this.#output.slice(Math.max(0, start - this.#dropped))) };
  }

  /**
   * Types a line that may not be recorded (a forgery): resolves with what the recorder took and refused once
   * the shell has reported something and shown its prompt again.
   */
  async send(line: string, timeoutMs = 60_000): Promise<{ records: CommandRecord[]; refused: CommandRecord[] }> {
    const [records, refused] = [this.#records.length, this.#refused.length];
    this.#press(line);
    await this.waitFor(() => this.#records.length + this.#refused.length > records + refused, timeoutMs, `a report after \`${line}\``);
    // A forged report comes before the shell's own: let the prompt's own report arrive too.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { records: this.#records.slice(records), refused: this.#refused.slice(refused) };
  }

  output(): string {
    return this.#output;
  }

  dispose(): void {
    this.#shell.kill();
  }

  waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return waitForTerminal(condition, timeoutMs, what, () => this.#output);
  }

  #press(line: string): void {
    this.#recorder.input(`${line}\r`);
    this.#shell.write(`${line}\r`);
  }
}

/** Terminal output as text: CSI/OSC sequences and carriage returns removed. */
export function plainText(output: string): string {
  return output
    .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g, '')
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b[()][0-9A-B]/g, '')
    .replaceAll('\r\n', '\n')
    .replaceAll('\r', '');
}
