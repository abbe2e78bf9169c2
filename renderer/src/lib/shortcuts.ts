export type ShortcutAction = 'apply' | 'focus-terminal' | 'next-step' | 'previous-step' | 'presenter' | 'help';

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
  if (event.key === 'F1') return 'help';
  if (event.key === '?' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target)) return 'help';
  return null;
}
