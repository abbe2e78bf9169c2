import type { TerminalTarget } from '../../common/api/terminal.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { HostCommandRecorder } from './host-command-recorder.ts';
import { JumphostCommandRecorder } from './jumphost-command-recorder.ts';
import { NodeCommandRecorder } from './node-command-recorder.ts';
import { TypedLines } from './typed-lines.ts';

/** Lines recorded so far per kind of terminal, across its shells: what a history key may bring back. */
export class CreditedLines {
  readonly #lines = new Map<string, Set<string>>();

  add(terminal: string, command: string): void {
    const lines = this.#lines.get(terminal) ?? new Set<string>();
    lines.add(command.trim());
    this.#lines.set(terminal, lines);
  }

  has(terminal: string, command: string): boolean {
    return this.#lines.get(terminal)?.has(command.trim()) ?? false;
  }
}

/** Turns one terminal's keys and output into command records. */
export interface TerminalRecorder {
  input(data: string): void;
  output(text: string): void;
}

export interface TerminalRecorderOptions {
  /** Lines credited before in this kind of terminal: a line recalled from an earlier shell's history. */
  known?(command: string): boolean;
  /** A report that does not name the line typed next (printed by a command, or typed into one). */
  onRefused?(record: CommandRecord): void;
}

/**
 * The recorder for a terminal Labdeck opened: the jumphost's and the host's shells report their lines,
 * a node's prompt reports its history line. Every report is checked against the keys typed into this very
 * terminal (typed-lines.ts) before it becomes a record.
 */
export function terminalRecorderFor(target: TerminalTarget, shellId: number, onRecord: (record: CommandRecord) => void, options: TerminalRecorderOptions = {}): TerminalRecorder {
  const typed = new TypedLines(options.known ? { known: options.known } : {});
  const witnessed = (record: CommandRecord): void => {
    const entered = typed.witness(record.command);
    if (entered === undefined) {
      // A report comes at a prompt: what was typed before it will not be reported again (`history -s`
      // reports another line than the one typed), and cannot be claimed by a later report.
      typed.promptShown();
      options.onRefused?.(record);
      return;
    }
    onRecord(record.startedAt === undefined ? { ...record, startedAt: entered } : record);
  };
  const common = { shellId, onRecord: witnessed, onPrompt: () => typed.promptShown() };
  const inner =
    target.kind === 'node'
      ? new NodeCommandRecorder({ ...common, node: target.node })
      : target.kind === 'host'
        ? new HostCommandRecorder(common)
        : new JumphostCommandRecorder(common);
  return {
    input(data) {
      typed.input(data);
      inner.input(data);
    },
    output(text) {
      inner.output(text);
    },
  };
}
