import type { CommandRecord } from '../checks/check-world.ts';

/** What every shell's recorder (jumphost, node, host) is given. */
export interface ShellRecorderOptions {
  /** Distinguishes shells: variables set in one terminal are not visible in another. */
  shellId: number;
  onRecord(record: CommandRecord): void;
  /** A prompt after no new line (an empty line, Ctrl-C). */
  onPrompt?(): void;
  now?: () => Date;
}
