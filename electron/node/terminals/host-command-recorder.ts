import { HOST_COMMAND_MARKER } from './host-shell-integration.ts';
import { OscMarkerScanner } from './osc-marker-scanner.ts';
import type { ShellRecorderOptions } from './recorder-options.ts';

/** The terminal name host commands are recorded under; command checks select it with `on: host`. */
export const HOST_TERMINAL = 'host';

export type HostCommandRecorderOptions = ShellRecorderOptions;

/**
 * Reads the command reports the Host terminal's shell integration prints (host-shell-integration.ts) out of
 * the shell's output and records each as a command. The report comes from the shell itself (its history
 * and $?), so unlike a node terminal nothing is reconstructed from keystrokes.
 */
export class HostCommandRecorder {
  readonly #options: HostCommandRecorderOptions;
  readonly #now: () => Date;
  readonly #scanner: OscMarkerScanner;

  constructor(options: HostCommandRecorderOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#scanner = new OscMarkerScanner(HOST_COMMAND_MARKER, (body) => this.#report(body));
  }

  output(chunk: string): void {
    this.#scanner.feed(chunk);
  }

  /** Keystrokes are not needed: the shell reports the line itself. */
  input(): void {}

  #report(body: string): void {
    const fields = body.split(';');
    if (fields.length !== 4) return;
    const [, status, pipes, hex] = fields as [string, string, string, string];
    if (!/^\d+$/.test(status) || !/^[0-9a-f]*$/i.test(hex) || hex.length % 2 !== 0) return;
    const command = Buffer.from(hex, 'hex').toString('utf8').trim();
    if (command === '') {
      this.#options.onPrompt?.();
      return;
    }
    const pipeStatus = pipes === '' ? [] : pipes.split(',').map(Number);
    this.#options.onRecord({
      time: this.#now().toISOString(),
      command,
      exitCode: Number(status),
      ...(pipeStatus.length > 0 && pipeStatus.every(Number.isInteger) ? { pipeStatus } : {}),
      shellPid: this.#options.shellId,
      terminal: HOST_TERMINAL,
    });
  }
}
