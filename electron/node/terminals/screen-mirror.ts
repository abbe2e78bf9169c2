import { createRequire } from 'node:module';
import type { SerializeAddon as SerializeAddonType } from '@xterm/addon-serialize';
import type { Terminal as HeadlessTerminalType } from '@xterm/headless';

// Both packages ship CommonJS for Node; require keeps them out of ESM interop guesswork in tsx and esbuild.
const require = createRequire(import.meta.url);
const { Terminal: HeadlessTerminal } = require('@xterm/headless') as { Terminal: typeof HeadlessTerminalType };
const { SerializeAddon } = require('@xterm/addon-serialize') as { SerializeAddon: typeof SerializeAddonType };

/** Lines the mirror keeps above the screen for a replay after a reload or reconnect. */
const MIRROR_SCROLLBACK_LINES = 1000;

export interface Snapshot {
  /** Escape sequences that paint the terminal as the mirror has it (screen, modes, cursor). */
  screen: string;
  /** Stream position (bytes read from the shell) the snapshot stands for. */
  seq: number;
}

/**
 * A headless xterm fed with every byte a shell prints, as tmux and mosh keep one per session: whatever the
 * renderer has or has not seen, the backend knows the current screen and can send it instead of a backlog.
 * Parsing is asynchronous (xterm's write queue); `unparsedBytes` lets the owner pause the source when the
 * mirror falls behind, so memory stays bounded under `yes`.
 */
export class ScreenMirror {
  readonly #terminal: HeadlessTerminalType;
  readonly #serializer: SerializeAddonType;
  #written = 0;
  #parsed = 0;
  #disposed = false;

  constructor(cols: number, rows: number) {
    this.#terminal = new HeadlessTerminal({ cols, rows, scrollback: MIRROR_SCROLLBACK_LINES, allowProposedApi: true });
    this.#serializer = new SerializeAddon();
    this.#terminal.loadAddon(this.#serializer);
  }

  /** Bytes handed to the mirror that xterm has not parsed yet. */
  get unparsedBytes(): number {
    return this.#written - this.#parsed;
  }

  write(chunk: Uint8Array, onParsed?: () => void): void {
    if (this.#disposed) return;
    const size = chunk.byteLength;
    this.#written += size;
    this.#terminal.write(chunk, () => {
      this.#parsed += size;
      onParsed?.();
    });
  }

  resize(cols: number, rows: number): void {
    if (!this.#disposed) this.#terminal.resize(cols, rows);
  }

  /**
   * The terminal as it stands once everything written so far is parsed. The serialization runs inside
   * xterm's write callback, before the next queued chunk is parsed, so it matches `seq` exactly even while
   * more output keeps arriving. `seq` is the caller's stream position at the time of the call.
   */
  snapshot(seq: number, options: { scrollback: boolean }): Promise<Snapshot> {
    return new Promise((resolve) => {
      if (this.#disposed) {
        resolve({ screen: '', seq });
        return;
      }
      this.#terminal.write('', () => {
        const screen = this.#serializer.serialize(options.scrollback ? {} : { scrollback: 0 });
        resolve({ screen, seq });
      });
    });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#terminal.dispose();
  }
}
