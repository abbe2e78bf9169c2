import { isAppShortcutInTerminal } from '../../lib/shortcuts.ts';

/**
 * Which keys xterm may keep. A terminal must get Tab, Escape and most Ctrl keys (completion, vi, readline),
 * which makes it a keyboard trap unless some keys are given back to the page. As in VS Code:
 *  - the app's own shortcuts (F1, F6, presenter mode, step movement, Ctrl+`) reach the app;
 *  - Escape followed by Tab (or Shift+Tab) within a moment leaves the terminal: xterm ignores the Tab and
 *    the browser moves focus as it does anywhere else. The Escape itself still reaches the shell (vi needs
 *    it; readline drops a lone Escape after its key-sequence timeout).
 */

/** How long after Escape a Tab still means "leave the terminal". */
export const LEAVE_WINDOW_MS = 1500;

const MODIFIERS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock']);

export type TerminalKeyDecision = 'terminal' | 'app' | 'find' | 'leave';

export class TerminalKeys {
  #escapeAt = -Infinity;

  constructor(
    private readonly isMac: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Decides for one keydown/keypress/keyup event that xterm is about to handle. */
  decide(event: KeyboardEvent): TerminalKeyDecision {
    if (isAppShortcutInTerminal(event, this.isMac)) return 'app';
    if (event.ctrlKey && event.shiftKey && event.code === 'KeyF') return 'find';
    if (event.key === 'Tab' && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (this.now() - this.#escapeAt <= LEAVE_WINDOW_MS) {
        // keyup of the same Tab comes after focus has moved; only the keydown ends the window.
        if (event.type === 'keydown') this.#escapeAt = -Infinity;
        return 'leave';
      }
      return 'terminal';
    }
    // Shift on its way to Shift+Tab is not "another key"; anything else closes the window.
    if (event.type === 'keydown' && !MODIFIERS.has(event.key)) {
      this.#escapeAt = event.key === 'Escape' && !event.ctrlKey && !event.altKey && !event.metaKey ? this.now() : -Infinity;
    }
    return 'terminal';
  }
}
