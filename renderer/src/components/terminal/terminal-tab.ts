import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal, type ITheme } from '@xterm/xterm';
import type { EventPayload } from '../../../../electron/common/api/contract.ts';
import type { TerminalTarget } from '../../../../electron/common/api/terminal.ts';
import type { WorkspaceApi } from '../../lib/workspace-api.ts';
import type { Appearance } from '../editor/theme.ts';
import { base64ToBytes } from './terminal-bytes.ts';
import { OutputQueue } from './output-queue.ts';
import { TerminalKeys } from './terminal-keys.ts';
import { describeError } from '../../lib/errors.ts';
import { openAllowedLink } from '../../lib/external-link.ts';
import { terminalLinks } from '../../lib/link-policy.ts';

export type TabState = 'starting' | 'running' | 'exited' | 'failed';

export interface TerminalTabCallbacks {
  onState(state: TabState, message?: string): void;
  /** Ctrl+Shift+F inside the terminal. */
  onFindRequested(): void;
}

// ANSI colours chosen to stay readable on a projector: no dark blue on black, no yellow on white.
const LIGHT: ITheme = {
  background: '#ffffff',
  foreground: '#1f2430',
  cursor: '#1d4ed8',
  selectionBackground: '#b6ccff',
  black: '#1f2430',
  red: '#b91c1c',
  green: '#15803d',
  yellow: '#a16207',
  blue: '#1d4ed8',
  magenta: '#9333ea',
  cyan: '#0e7490',
  white: '#6b7280',
  brightBlack: '#4b5563',
  brightRed: '#dc2626',
  brightGreen: '#16a34a',
  brightYellow: '#b45309',
  brightBlue: '#2563eb',
  brightMagenta: '#a855f7',
  brightCyan: '#0891b2',
  brightWhite: '#374151',
};
const DARK: ITheme = {
  background: '#0f141c',
  foreground: '#e6ebf2',
  cursor: '#60a5fa',
  selectionBackground: '#2b4a7a',
  black: '#1f2937',
  red: '#f87171',
  green: '#4ade80',
  yellow: '#facc15',
  blue: '#60a5fa',
  magenta: '#c084fc',
  cyan: '#22d3ee',
  white: '#e5e7eb',
  brightBlack: '#9ca3af',
  brightRed: '#fca5a5',
  brightGreen: '#86efac',
  brightYellow: '#fde047',
  brightBlue: '#93c5fd',
  brightMagenta: '#d8b4fe',
  brightCyan: '#67e8f9',
  brightWhite: '#ffffff',
};

/**
 * One terminal tab: an xterm instance bound to one backend shell. The instance lives as long as the tab,
 * hidden or not, so its scrollback survives tab switches; `terminal.attach` restores it after a reload.
 */
export class TerminalTab {
  readonly terminal: Terminal;
  readonly search: SearchAddon;
  sessionId: string | null = null;
  state: TabState = 'starting';
  readonly #fit: FitAddon;
  readonly #output: OutputQueue;
  /** Events at or below this seq are already on screen (part of an attach replay or a screen). */
  #shownSeq = 0;
  /** A Ctrl-C dropped the queued output; data events are skipped until the backend's screen arrives. */
  #awaitingScreen = false;
  /** Events that arrive while an attach is on its way, applied after its replay. */
  #duringAttach: EventPayload<'terminal.data'>[] | null = null;
  #queuedInput: string[] = [];
  #disposed = false;

  constructor(
    private readonly api: WorkspaceApi,
    readonly target: TerminalTarget,
    private readonly callbacks: TerminalTabCallbacks,
  ) {
    this.terminal = new Terminal({
      allowProposedApi: true,
      cursorBlink: true,
      fontFamily: "'JetBrains Mono', 'Cascadia Code', 'DejaVu Sans Mono', ui-monospace, monospace",
      fontSize: 14,
      scrollback: 10_000,
      theme: LIGHT,
    });
    this.#fit = new FitAddon();
    this.search = new SearchAddon();
    this.terminal.loadAddon(this.#fit);
    this.terminal.loadAddon(this.search);
    // Plain URLs and OSC 8 hyperlinks follow the same link policy as lab text (lib/link-policy.ts); a
    // program in the shell cannot open anything that is not allow-listed documentation.
    const links = terminalLinks({ open: (url) => void openAllowedLink(this.api, url).catch(() => undefined) });
    this.terminal.options.linkHandler = links.linkHandler;
    this.terminal.loadAddon(new WebLinksAddon(links.onWebLink));
    this.#output = new OutputQueue({
      write: (bytes, done) => this.terminal.write(bytes, done),
      ack: (seq) => {
        if (this.sessionId) void this.api.call('terminal.ack', { id: this.sessionId, seq }).catch(() => undefined);
      },
    });
    this.terminal.onData((data) => this.#send(data));
    this.terminal.onBinary((data) => this.#send(data));
    this.terminal.onResize(({ cols, rows }) => {
      if (this.sessionId && this.state === 'running') void this.api.call('terminal.resize', { id: this.sessionId, cols, rows }).catch(() => undefined);
    });
    const keys = new TerminalKeys(/Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent));
    // false = xterm leaves the key alone: it bubbles to the app's shortcuts, or (Esc then Tab) the
    // browser moves focus out of the terminal as it would from any other control.
    this.terminal.attachCustomKeyEventHandler((event) => {
      const decision = keys.decide(event);
      if (decision === 'find') {
        if (event.type === 'keydown') this.callbacks.onFindRequested();
        return false;
      }
      return decision === 'terminal';
    });
  }

  /** Puts the terminal into the page; WebGL when the GPU allows it, xterm's DOM renderer otherwise. */
  mount(element: HTMLElement): void {
    this.terminal.open(element);
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => webgl.dispose());
      this.terminal.loadAddon(webgl);
    } catch {
      // No WebGL2 (no GPU, blocked context): the DOM renderer that xterm falls back to is fine.
    }
    this.fit();
  }

  setAppearance({ dark, codeFontSize }: Appearance): void {
    this.terminal.options.theme = dark ? DARK : LIGHT;
    if (this.terminal.options.fontSize !== codeFontSize) this.terminal.options.fontSize = codeFontSize;
  }

  /** Matches the grid to the element; skipped while hidden, where the element has no size. */
  fit(): void {
    const element = this.terminal.element;
    if (!element || element.clientWidth === 0 || element.clientHeight === 0) return;
    this.#fit.fit();
  }

  /** Opens a new backend shell for this tab, or re-attaches to `existingId` (after a reload). */
  async start(existingId?: string): Promise<void> {
    // A restart replaces an ended shell; the backend keeps ended shells (and their scrollback) until closed.
    const previous = this.sessionId;
    if (previous && previous !== existingId) void this.api.call('terminal.close', { id: previous }).catch(() => undefined);
    this.sessionId = null;
    this.#setState('starting');
    try {
      if (existingId) {
        this.sessionId = existingId;
        await this.#attach();
        this.#setState('running');
        void this.api.call('terminal.resize', { id: existingId, cols: this.terminal.cols, rows: this.terminal.rows }).catch(() => undefined);
      } else {
        const size = { cols: this.terminal.cols, rows: this.terminal.rows };
        const session = await this.api.call('terminal.open', { target: this.target, ...size });
        this.sessionId = session.id;
        // A fit while the shell was opening was not sent (no session yet). The shell and the backend's
        // screen mirror must have this grid's size, or a screen sent after Ctrl-C lands on the wrong rows.
        if (this.terminal.cols !== size.cols || this.terminal.rows !== size.rows) {
          void this.api.call('terminal.resize', { id: session.id, cols: this.terminal.cols, rows: this.terminal.rows }).catch(() => undefined);
        }
        // The previous backend ended (crash or quit) with a terminal here: its last screen comes back first.
        if (session.restored) this.terminal.write(session.restored);
        this.#shownSeq = 0;
        this.#awaitingScreen = false;
        this.#output.reset(0);
        this.#setState('running');
      }
      const queued = this.#queuedInput;
      this.#queuedInput = [];
      for (const data of queued) this.#send(data);
    } catch (error) {
      this.sessionId = null;
      this.#setState('failed', failureText(error));
    }
  }

  /** Repaints from the backend's scrollback: used after the transport reconnects. */
  async reattach(): Promise<void> {
    if (!this.sessionId) return;
    try {
      await this.#attach();
    } catch (error) {
      this.#setState('failed', failureText(error));
    }
  }

  async #attach(): Promise<void> {
    if (!this.sessionId) return;
    this.#duringAttach = [];
    try {
      const { replay, seq } = await this.api.call('terminal.attach', { id: this.sessionId });
      this.#output.reset(seq);
      this.#awaitingScreen = false;
      this.#shownSeq = seq;
      this.terminal.reset();
      this.terminal.write(base64ToBytes(replay));
    } finally {
      const early = this.#duringAttach;
      this.#duringAttach = null;
      for (const event of early) this.receive(event);
    }
  }

  receive(event: EventPayload<'terminal.data'>): void {
    if (this.#duringAttach) {
      this.#duringAttach.push(event);
      return;
    }
    if (event.seq <= this.#shownSeq) return;
    this.#shownSeq = event.seq;
    if (this.#awaitingScreen) {
      // Sent before the backend saw the Ctrl-C; the screen that follows replaces it.
      this.#output.skip(event.seq);
      return;
    }
    this.#output.push(event.data, event.seq);
  }

  /** The backend's current screen, replacing the output this page missed or dropped. */
  receiveScreen(event: EventPayload<'terminal.screen'>): void {
    if (this.#duringAttach || event.seq < this.#shownSeq) return;
    this.#shownSeq = event.seq;
    this.#awaitingScreen = false;
    // Leave the alternate screen and reset modes (DECSTR) so the screen paints as on a fresh terminal;
    // clearing the display keeps the scrollback the page already has.
    this.#output.replace(`\x1b[?1049l\x1b[!p\x1b[H\x1b[2J${event.screen}`, event.seq);
  }

  /** How much received output xterm has not parsed yet (benchmarks and tests read it). */
  get backlogBytes(): number {
    return this.#output.backlogBytes;
  }

  exited(exitCode: number | null, message?: string): void {
    const reason = message ?? (exitCode === null ? 'the shell ended' : `the shell exited with code ${exitCode}`);
    this.terminal.write(`\r\n\x1b[2m[${reason}]\x1b[0m\r\n`);
    this.#setState('exited', reason);
  }

  /** Types text into the shell as if the user had (queued until the shell is open). */
  type(data: string): void {
    this.#send(data);
  }

  focus(): void {
    this.terminal.focus();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const id = this.sessionId;
    this.sessionId = null;
    if (id) void this.api.call('terminal.close', { id }).catch(() => undefined);
    this.terminal.dispose();
  }

  #send(data: string): void {
    if (this.state === 'exited' || this.state === 'failed') return;
    if (!this.sessionId) {
      this.#queuedInput.push(data);
      return;
    }
    // Ctrl-C while output is still queued: the user wants it stopped, not played out. Drop the queue and
    // ask for the screen as it stands once the shell has stopped.
    if (data.includes('\x03') && this.#output.interrupt()) {
      this.#awaitingScreen = true;
      void this.api.call('terminal.input', { id: this.sessionId, data, resync: true }).catch(() => undefined);
      return;
    }
    void this.api.call('terminal.input', { id: this.sessionId, data }).catch(() => undefined);
  }

  #setState(state: TabState, message?: string): void {
    this.state = state;
    this.callbacks.onState(state, message);
  }
}

/** The backend's message and what to do next, as one line for the tab's notice. */
function failureText(error: unknown): string {
  const { message, action } = describeError(error);
  return `${message} ${action}`;
}

