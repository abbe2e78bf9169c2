import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TerminalTargetSchema, type TerminalTarget } from '../../common/api/terminal.ts';
import { writeFileDurably } from '../durable-file.ts';

/**
 * The open terminals and their last screens, on disk, so that after the backend was killed (or quit) the
 * terminal tabs come back showing what they showed, followed by a new shell. A shell itself cannot survive
 * its backend: docker exec and node-pty sessions end with the process that holds them.
 */
const SavedTerminalSchema = z.object({ target: TerminalTargetSchema, screen: z.string().max(4_000_000), savedAt: z.string() });
const SavedFileSchema = z.object({ version: z.literal(1), terminals: z.array(SavedTerminalSchema).max(50) });
export type SavedTerminal = z.infer<typeof SavedTerminalSchema>;

/** Saves are coalesced this long: a busy shell costs one small write a second at most. */
const SAVE_DELAY_MS = 1000;

export function targetKey(target: TerminalTarget): string {
  return target.kind === 'node' ? `node:${target.node}` : target.kind;
}

export class TerminalStateFile {
  readonly #file: string;
  #timer: NodeJS.Timeout | null = null;
  #collect: (() => Promise<SavedTerminal[]>) | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
  }

  /** What the previous run left, by target; nothing when there is no file or it cannot be read. */
  async load(): Promise<Map<string, SavedTerminal>> {
    const saved = new Map<string, SavedTerminal>();
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch {
      return saved;
    }
    try {
      const parsed = SavedFileSchema.safeParse(JSON.parse(text));
      if (parsed.success) for (const terminal of parsed.data.terminals) saved.set(targetKey(terminal.target), terminal);
    } catch {
      // A damaged file costs the old screens only; the terminals still open.
    }
    return saved;
  }

  /** Saves what `collect` returns, soon (coalesced). */
  schedule(collect: () => Promise<SavedTerminal[]>): void {
    this.#collect = collect;
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
    this.#timer.unref?.();
  }

  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const collect = this.#collect;
    this.#collect = null;
    if (collect) {
      this.#writing = this.#writing.then(async () => {
        const terminals = await collect();
        await writeFileDurably(this.#file, JSON.stringify({ version: 1, terminals }));
      });
      this.#writing = this.#writing.catch((error: unknown) => {
        console.error(`Labdeck could not save the open terminals to ${this.#file}: ${(error as Error).message}`);
      });
    }
    await this.#writing;
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
