import type { TerminalSession, TerminalTarget } from '../../common/api/terminal.ts';
import type { InteractiveProcess } from '../backend/ports.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import type { InFlight, RecentBytes } from './flow-control.ts';
import type { OutputBacklog } from './output-backlog.ts';
import type { ScreenMirror } from './screen-mirror.ts';
import { terminalRecorderFor, type CreditedLines, type TerminalRecorder } from './terminal-recorder.ts';

/**
 * What reaches the renderer: `live` streams output as it arrives; `lagging` sends nothing (the renderer
 * is more than the high watermark behind) until it catches up and gets the screen; `interrupted` is a
 * Ctrl-C that dropped the backlog, waiting for the terminal's `^C` echo (or, without one, for the shell to
 * go quiet); `snapshotting` holds new output
 * back while the mirror serializes the screen it is then sent after.
 */
export type Mode = 'live' | 'lagging' | 'interrupted' | 'snapshotting';

export interface Session {
  readonly id: string;
  readonly title: string;
  readonly target: TerminalTarget;
  readonly process: InteractiveProcess;
  readonly mirror: ScreenMirror;
  readonly inFlight: InFlight;
  /** Bytes read from the shell in the last moments: whether a Ctrl-C comes during a flood. */
  readonly recent: RecentBytes;
  /** Turns the shell's reports, checked against the keys typed here, into command records. */
  readonly recorder: { recorder: TerminalRecorder; decoder: TextDecoder } | undefined;
  /** The renderer that sees this shell's output; a reconnecting renderer takes it over with attach. */
  clientId: string;
  alive: boolean;
  mode: Mode;
  /** Bytes read from the shell so far; an event's seq is this position at its last byte. */
  position: number;
  pending: Uint8Array[];
  pendingBytes: number;
  /** Output coalesced and waiting for room in the renderer's window (output-backlog.ts). */
  readonly backlog: OutputBacklog;
  draining: boolean;
  flushTimer: NodeJS.Timeout | null;
  /** Output that arrived while a snapshot was being taken; it follows the snapshot. */
  held: Uint8Array[];
  /** The running snapshot, so a second one waits instead of interleaving. */
  snapshotting: Promise<unknown> | null;
  /** The source is paused because the mirror's parse backlog is too long. */
  sourcePaused: boolean;
  interruptTimer: NodeJS.Timeout | null;
  interruptedAt: number;
  /** After a Ctrl-C: the output so far ended with `^`, the first half of the terminal's `^C` echo. */
  interruptCaret: boolean;
  /** When output last went to the renderer (Date.now()): coalescing starts after a send. */
  sentAt: number;
  /**
   * Output read but not yet given to the mirror. The mirror is fed lazily, in batches, so that of a
   * plain-text flood it only parses the lines that decide the screen (mirrorTail).
   */
  unmirrored: Uint8Array[];
  unmirroredBytes: number;
  mirrorTimer: NodeJS.Timeout | null;
  rows: number;
}

/** Stops a shell and everything that was still due for it (output flushes, Ctrl-C resync, screen copy). */
export function endSession(session: Session): void {
  if (session.flushTimer) clearTimeout(session.flushTimer);
  if (session.interruptTimer) clearTimeout(session.interruptTimer);
  if (session.mirrorTimer) clearTimeout(session.mirrorTimer);
  if (session.alive) session.process.kill();
  session.alive = false;
  session.mirror.dispose();
}

/**
 * Every terminal records its commands here: the jumphost's and the host's shells from what they report, a
 * node's bash from its prompt marker; each report only when it names the line typed into this terminal.
 */
export function commandRecorderFor(target: TerminalTarget, shellId: number, onRecord: (record: CommandRecord) => void, credited: CreditedLines): Session['recorder'] {
  const key = target.kind === 'node' ? `node/${target.node}` : target.kind;
  const recorder = terminalRecorderFor(target, shellId, (record) => {
    credited.add(key, record.command);
    onRecord(record);
  }, { known: (command) => credited.has(key, command) });
  return { recorder, decoder: new TextDecoder() };
}

export function titleFor(target: TerminalTarget): string {
  switch (target.kind) {
    case 'jumphost':
      return 'jumphost';
    case 'node':
      return target.node;
    case 'host':
      return 'host shell';
  }
}

export function describe(session: Session): TerminalSession {
  return { id: session.id, title: session.title, target: session.target, alive: session.alive };
}
