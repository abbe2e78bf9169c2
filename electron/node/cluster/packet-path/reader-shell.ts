import type { ExecOutcome } from '../../backend/ports.ts';
import { FrameReader, framedCommand, newMarker } from './shell-framing.ts';

/** A started process in a container without a TTY: stdin to write to, its stdout as it arrives. */
export interface ShellChannel {
  onStdout(listener: (chunk: Buffer) => void): void;
  /** Called once when the process or the connection to it ended, for whatever reason. */
  onEnd(listener: (reason: string) => void): void;
  write(text: string): void;
  /** Ends stdin (the shell exits at its end) and drops the connection. */
  close(): void;
}

/** Starts argv in a container as a ShellChannel (docker-reader-shell.ts; a double in tests). */
export type OpenShellChannel = (containerId: string, argv: string[]) => Promise<ShellChannel>;

/** argv of a reader shell: `sh -s NAME` reads commands from stdin, and NAME shows in `ps` what the process is. */
export const READER_SHELL_ARGV = ['sh', '-s', 'labdeck-packet-reader'];

/** Why a command got no frame; 'ended' means the shell went away (it may be opened again), the others are final. */
export class ReaderShellError extends Error {
  readonly reason: 'ended' | 'timeout' | 'overflow' | 'broken';
  constructor(reason: ReaderShellError['reason'], message: string) {
    super(message);
    this.name = 'ReaderShellError';
    this.reason = reason;
  }
}

interface Pending {
  seq: number;
  resolve: (outcome: ExecOutcome) => void;
  reject: (error: ReaderShellError) => void;
}

/**
 * One long-lived shell in one container that runs the tracer's reads one after another, so a read costs
 * the commands it runs and not the start of a `docker exec` (dockerd, runc and a new process each time).
 * Any doubt about the stream (a timeout, too much output, a line that is not the expected end line) closes
 * the shell: its next user opens a new one rather than reading half of an old command's output.
 */
export class ReaderShell {
  readonly containerId: string;
  readonly #channel: ShellChannel;
  readonly #marker = newMarker();
  readonly #frames: FrameReader;
  readonly #maxOutputBytes: number;
  #seq = 0;
  #pending: Pending | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #ended: string | null = null;

  private constructor(containerId: string, channel: ShellChannel, maxOutputBytes: number) {
    this.containerId = containerId;
    this.#channel = channel;
    this.#maxOutputBytes = maxOutputBytes;
    this.#frames = new FrameReader(this.#marker, maxOutputBytes);
    channel.onStdout((chunk) => this.#onStdout(chunk));
    channel.onEnd((reason) => this.#end(new ReaderShellError('ended', `The reader shell in ${containerId.slice(0, 12)} ended (${reason}).`)));
  }

  static async open(open: OpenShellChannel, containerId: string, options: { maxOutputBytes: number }): Promise<ReaderShell> {
    return new ReaderShell(containerId, await open(containerId, READER_SHELL_ARGV), options.maxOutputBytes);
  }

  get alive(): boolean {
    return this.#ended === null;
  }

  /** Runs a script of this program's own (never the attendee's text); commands queue one behind the other. */
  run(script: string, options: { timeoutMs: number }): Promise<ExecOutcome> {
    const result = this.#queue.then(() => this.#runNow(script, options.timeoutMs));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.#end(new ReaderShellError('ended', 'The reader shell was closed.'));
  }

  #runNow(script: string, timeoutMs: number): Promise<ExecOutcome> {
    if (this.#ended !== null) return Promise.reject(new ReaderShellError('ended', this.#ended));
    return new Promise<ExecOutcome>((resolve, reject) => {
      this.#seq += 1;
      const seq = this.#seq;
      const timer = setTimeout(() => this.#end(new ReaderShellError('timeout', `The read in ${this.containerId.slice(0, 12)} took longer than ${timeoutMs} ms.`)), timeoutMs);
      this.#pending = {
        seq,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#frames.reset();
      this.#channel.write(framedCommand(script, this.#marker, seq));
    });
  }

  #onStdout(chunk: Buffer): void {
    const pending = this.#pending;
    // Output while no command runs (a background job of an earlier one) belongs to nobody.
    if (!pending || this.#ended !== null) return;
    const result = this.#frames.push(chunk);
    if (!result) return;
    if (result.kind === 'overflow') {
      this.#end(new ReaderShellError('overflow', `The read in ${this.containerId.slice(0, 12)} printed more than ${this.#maxOutputBytes} bytes, the most a read may print; its shell was closed.`));
    } else if (result.kind === 'broken') {
      this.#end(new ReaderShellError('broken', `The reader shell printed an end line it should not have ("${result.line}"); it was closed.`));
    } else if (result.frame.seq !== pending.seq) {
      this.#end(new ReaderShellError('broken', `The reader shell ended command ${result.frame.seq} while ${pending.seq} was running; it was closed.`));
    } else {
      this.#pending = null;
      pending.resolve({ exitCode: result.frame.exitCode, output: result.frame.output.toString('utf8') });
    }
  }

  #end(error: ReaderShellError): void {
    // The pending read learns the first reason (a timeout, an overflow), not the close that follows from it.
    const pending = this.#pending;
    this.#pending = null;
    if (this.#ended === null) {
      this.#ended = error.message;
      this.#channel.close();
    }
    pending?.reject(error);
  }
}
