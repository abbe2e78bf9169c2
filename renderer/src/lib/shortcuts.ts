export type ShortcutAction = 'apply' | 'focus-terminal' | 'next-step' | 'previous-step' | 'presenter' | 'help' | 'next-pane' | 'previous-pane';

export interface ShortcutHelp {
  id: string;
  keys: string;
  description: string;
}

export function shortcutHelp(isMac: boolean): ShortcutHelp[] {
  const mod = isMac ? 'Cmd' : 'Ctrl';
  return [
    { id: 'apply', keys: `${mod}+S  or  Ctrl+Enter in the editor`, description: 'Apply the manifest in the editor' },
    { id: 'run-snippet', keys: 'Ctrl+Enter on a code block', description: 'Run the focused command in the terminal (or open a manifest)' },
    { id: 'focus-terminal', keys: 'Ctrl+`', description: 'Focus the terminal' },
    { id: 'leave-terminal', keys: 'Esc then Tab  (Shift+Tab)', description: 'Leave the terminal to the next (previous) control; Tab alone completes commands in the shell' },
    { id: 'next-pane', keys: 'F6  /  Shift+F6', description: 'Move to the next / previous area: top bar, lab list, guide, workspace (works in the terminal and editor too)' },
    { id: 'editor-tab', keys: isMac ? 'Ctrl+Shift+M in the editor' : 'Ctrl+M in the editor', description: 'Switch Tab between indenting and moving focus out of the editor' },
    { id: 'next-step', keys: 'Alt+→  or  Ctrl+Shift+→', description: 'Next step' },
    { id: 'previous-step', keys: 'Alt+←  or  Ctrl+Shift+←', description: 'Previous step' },
    { id: 'presenter', keys: `${mod}+Alt+P`, description: 'Presenter mode (large type)' },
    { id: 'help', keys: '?  or  F1', description: 'Show this list' },
  ];
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Maps a key press to a workspace action; null when the key is not ours (it then reaches its target). */
export function matchShortcut(event: KeyboardEvent, isMac: boolean): ShortcutAction | null {
  const mod = isMac ? event.metaKey : event.ctrlKey;
  if (mod && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 's') return 'apply';
  if (event.ctrlKey && (event.key === '`' || event.code === 'Backquote')) return 'focus-terminal';
  if ((event.altKey && !event.ctrlKey && !event.metaKey && event.key === 'ArrowRight') || (event.ctrlKey && event.shiftKey && event.key === 'ArrowRight')) {
    return 'next-step';
  }
  if ((event.altKey && !event.ctrlKey && !event.metaKey && event.key === 'ArrowLeft') || (event.ctrlKey && event.shiftKey && event.key === 'ArrowLeft')) {
    return 'previous-step';
  }
  if (mod && event.altKey && (event.key.toLowerCase() === 'p' || event.code === 'KeyP')) return 'presenter';
  if (event.key === 'F6' && !event.ctrlKey && !event.metaKey && !event.altKey) return event.shiftKey ? 'previous-pane' : 'next-pane';
  if (event.key === 'F1') return 'help';
  if (event.key === '?' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target)) return 'help';
  return null;
}

/**
 * Whether a key pressed inside the terminal belongs to the app rather than the shell. Everything but
 * Apply (Ctrl+S stays the shell's flow control key): help, presenter mode, step and pane movement.
 */
export function isAppShortcutInTerminal(event: KeyboardEvent, isMac: boolean): boolean {
  const action = matchShortcut(event, isMac);
  return action !== null && action !== 'apply';
}
