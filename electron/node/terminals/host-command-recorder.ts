import type { CommandRecord } from '../checks/check-world.ts';
import { HOST_COMMAND_MARKER } from './host-shell-integration.ts';

/** The terminal name host commands are recorded under; command checks select it with `on: host`. */
export const HOST_TERMINAL = 'host';

const BEL = '\u0007';
const ST = '\u001b\\';
/** A marker longer than this is not ours (a line of 16 KB in hex is 32 KB): the buffer stops growing. */
const MAX_MARKER = 64 * 1024;

export interface HostCommandRecorderOptions {
  /** Distinguishes shells: variables set in one terminal are not visible in another. */
  shellId: number;
  onRecord(record: CommandRecord): void;
  now?: () => Date;
}

/**
 * Reads the command reports the Host terminal's shell integration prints (host-shell-integration.ts) out of
 * the shell's output and records each as a command. The report comes from the shell itself (its history
 * and $?), so unlike a node terminal nothing is reconstructed from keystrokes.
 */
export class HostCommandRecorder {
  readonly #options: HostCommandRecorderOptions;
  readonly #now: () => Date;
  /** Output not yet searched: a marker may be split across chunks. */
  #pending = '';

  constructor(options: HostCommandRecorderOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  output(chunk: string): void {
    let text = this.#pending + chunk;
    this.#pending = '';
    for (;;) {
      const start = text.indexOf(HOST_COMMAND_MARKER);
      if (start < 0) {
        this.#pending = partialMarkerTail(text);
        return;
      }
      const bodyStart = start + HOST_COMMAND_MARKER.length;
      const end = terminatorAt(text, bodyStart);
      if (end === undefined) {
        const rest = text.slice(start);
        this.#pending = rest.length > MAX_MARKER ? '' : rest;
        return;
      }
      this.#report(text.slice(bodyStart, end.index));
      text = text.slice(end.index + end.length);
    }
  }

  /** Keystrokes are not needed: the shell reports the line itself. */
  input(): void {}

  #report(body: string): void {
    const fields = body.split(';');
    if (fields.length !== 4) return;
    const [, status, pipes, hex] = fields as [string, string, string, string];
    if (!/^\d+$/.test(status) || !/^[0-9a-f]*$/i.test(hex) || hex.length % 2 !== 0) return;
    const command = Buffer.from(hex, 'hex').toString('utf8').trim();
    if (command === '') return;
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

function terminatorAt(text: string, from: number): { index: number; length: number } | undefined {
  const bel = text.indexOf(BEL, from);
  const st = text.indexOf(ST, from);
  if (bel < 0 && st < 0) return undefined;
  if (st < 0 || (bel >= 0 && bel < st)) return { index: bel, length: 1 };
  return { index: st, length: 2 };
}

/** The end of `text` that could be the start of a marker split by the chunk boundary. */
function partialMarkerTail(text: string): string {
  for (let length = Math.min(HOST_COMMAND_MARKER.length - 1, text.length); length > 0; length -= 1) {
    if (HOST_COMMAND_MARKER.startsWith(text.slice(-length))) return text.slice(-length);
  }
  return '';
}
