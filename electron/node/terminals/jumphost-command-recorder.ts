import type { CommandRecord } from '../checks/check-world.ts';
import { OscMarkerScanner } from './osc-marker-scanner.ts';
import type { ShellRecorderOptions } from './recorder-options.ts';

/**
 * The marker the jumphost's recorder (resources/jumphost/command-recorder.bash) prints after each command
 * line: `ESC ] 6973 ; labdeck-record = <the record as JSON> BEL` (the JSON escapes every control character, so
 * nothing in it ends the sequence), and with an empty body at a prompt
 * after no new line. It goes to the terminal, which is Labdeck's: nothing in the jumphost keeps a record the
 * attendee could append to.
 */
export const JUMPHOST_RECORD_MARKER = '\u001b]6973;labdeck-record=';
export const JUMPHOST_TERMINAL = 'jumphost';
/** A record with the DEBUG trap's trace of a long line: bounded, so a runaway marker is dropped. */
const MAX_RECORD = 256 * 1024;
const MAX_TRACE = 10_000;

export type JumphostCommandRecorderOptions = ShellRecorderOptions;

/**
 * Reads the jumphost shell's records out of its output. The shell says what it ran (its history line, $?,
 * PIPESTATUS, the simple commands its DEBUG trap saw); the time and the terminal are Labdeck's own.
 */
export class JumphostCommandRecorder {
  readonly #options: JumphostCommandRecorderOptions;
  readonly #now: () => Date;
  readonly #scanner: OscMarkerScanner;

  constructor(options: JumphostCommandRecorderOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#scanner = new OscMarkerScanner(JUMPHOST_RECORD_MARKER, (body) => this.#report(body), MAX_RECORD);
  }

  output(chunk: string): void {
    this.#scanner.feed(chunk);
  }

  /** Keystrokes are not needed: the shell reports the line itself. */
  input(): void {}

  #report(body: string): void {
    if (body === '') {
      this.#options.onPrompt?.();
      return;
    }
    const now = this.#now();
    const record = parseJumphostRecord(body, now);
    if (record) this.#options.onRecord({ ...record, time: now.toISOString(), shellPid: this.#options.shellId, terminal: JUMPHOST_TERMINAL });
  }
}

/** The record in a marker's body, or null when it is not one the recorder writes. */
export function parseJumphostRecord(json: string, now: Date): Omit<CommandRecord, 'time' | 'terminal' | 'shellPid'> | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const fields = value as Record<string, unknown>;
  if (typeof fields.command !== 'string' || fields.command.trim() === '' || !Number.isInteger(fields.exitCode)) return null;
  // bash's history time: whole seconds since the epoch.
  const started = typeof fields.startedAt === 'number' ? fields.startedAt * 1000 : Number.NaN;
  const pipeStatus = Array.isArray(fields.pipeStatus) && fields.pipeStatus.length <= 1000 && fields.pipeStatus.every(Number.isInteger) ? (fields.pipeStatus as number[]) : undefined;
  // A malformed trace is dropped rather than trusted: the line then counts only by its own status.
  const ran = isTrace(fields.ran) ? fields.ran.map(({ command, exitCode }) => ({ command, exitCode })) : undefined;
  return {
    command: fields.command,
    exitCode: fields.exitCode as number,
    // A start after the report arrived is not a time the shell saw.
    ...(Number.isFinite(started) && started <= now.getTime() ? { startedAt: new Date(started).toISOString() } : {}),
    ...(pipeStatus && pipeStatus.length > 0 ? { pipeStatus } : {}),
    ...(ran ? { ran } : {}),
  };
}

function isTrace(value: unknown): value is Array<{ command: string; exitCode: number }> {
  return Array.isArray(value) && value.length <= MAX_TRACE && value.every((entry: unknown) => typeof entry === 'object' && entry !== null && typeof (entry as { command?: unknown }).command === 'string' && Number.isInteger((entry as { exitCode?: unknown }).exitCode));
}
