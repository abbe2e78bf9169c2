import type Docker from 'dockerode';
import type { InteractiveProcess } from '../../electron/node/backend/ports.ts';
import type { CommandRecord } from '../../electron/node/checks/check-world.ts';
import { execInteractive } from '../../electron/node/env/docker-exec.ts';
import { JUMPHOST_SHELL } from '../../electron/node/terminals/terminal-service.ts';
import { waitForTerminal } from './wait-for-terminal.ts';

/**
 * An attendee's terminal on the real jumphost of the lab environment: the terminal service's login shell
 * (`bash -l` through docker exec with a TTY, as the jumphost's user ubuntu) with its real command recorder
 * (resources/jumphost/command-recorder.bash writing /var/lib/labdeck/commands.jsonl), so every line typed
 * here runs the jumphost's real kubectl, curl and bash against the real cluster.
 */
export class JumphostTerminal {
  readonly containerId: string;
  readonly #shell: InteractiveProcess;
  /** Everything the terminal printed (the last MAX_OUTPUT characters) and how many characters came before. */
  #output = '';
  #dropped = 0;

  private constructor(containerId: string, shell: InteractiveProcess) {
    this.containerId = containerId;
    this.#shell = shell;
    const decoder = new TextDecoder();
    shell.onData((chunk) => {
      this.#output += decoder.decode(chunk, { stream: true });
      if (this.#output.length > MAX_OUTPUT) {
        this.#dropped += this.#output.length - MAX_OUTPUT;
        this.#output = this.#output.slice(-MAX_OUTPUT);
      }
    });
  }

  static async open(docker: Docker, containerId: string): Promise<JumphostTerminal> {
    const shell = await execInteractive(docker, containerId, JUMPHOST_SHELL, { cols: 400, rows: 50, env: ['TERM=xterm-256color'] });
    const terminal = new JumphostTerminal(containerId, shell);
    try {
      await terminal.#waitFor(() => /ubuntu@[^\n]*\$ /.test(terminal.#output), 30_000, 'the first prompt');
    } catch (error) {
      shell.kill();
      throw error;
    }
    return terminal;
  }

  /**
   * Types one line and presses Enter; resolves with the record the jumphost's recorder wrote for it (read
   * back through the product's command log, like the engine reads it) and what the terminal printed meanwhile
   * (escape sequences removed).
   */
  async type(line: string, records: () => readonly CommandRecord[], timeoutMs = 120_000): Promise<{ record: CommandRecord; output: string }> {
    const before = records().length;
    const start = this.#dropped + this.#output.length;
    this.#shell.write(`${line}\r`);
    let found: CommandRecord | undefined;
    await this.#waitFor(
      () => {
        found = records().slice(before).find((record) => (record.terminal ?? 'jumphost') === 'jumphost' && record.command === line);
        return found !== undefined;
      },
      timeoutMs,
      `the record of \`${line}\``,
    );
    const printed = this.#output.slice(Math.max(0, start - this.#dropped));
    return { record: found!, output: plainText(printed) };
  }

  output(): string {
    return this.#output;
  }

  dispose(): void {
    this.#shell.kill();
  }

  #waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return waitForTerminal(condition, timeoutMs, what, () => this.#output);
  }
}

const MAX_OUTPUT = 200_000;

/** Terminal output as text: CSI/OSC sequences and carriage returns removed. */
export function plainText(output: string): string {
  return output
    .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g, '')
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b[()][0-9A-B]/g, '')
    .replaceAll('\r\n', '\n')
    .replaceAll('\r', '');
}
