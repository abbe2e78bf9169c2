import { describe, expect, it } from 'vitest';
import { matchShortcut, shortcutHelp } from './shortcuts.ts';

function key(init: KeyboardEventInit, target?: HTMLElement): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { bubbles: true, ...init });
  if (target) Object.defineProperty(event, 'target', { value: target });
  return event;
}

describe('matchShortcut', () => {
  it('maps the documented keys', () => {
    expect(matchShortcut(key({ key: 's', ctrlKey: true }), false)).toBe('apply');
    expect(matchShortcut(key({ key: 's', metaKey: true }), true)).toBe('apply');
    expect(matchShortcut(key({ key: '`', code: 'Backquote', ctrlKey: true }), false)).toBe('focus-terminal');
    expect(matchShortcut(key({ key: 'ArrowRight', altKey: true }), false)).toBe('next-step');
    expect(matchShortcut(key({ key: 'ArrowRight', ctrlKey: true, shiftKey: true }), false)).toBe('next-step');
    expect(matchShortcut(key({ key: 'ArrowLeft', altKey: true }), false)).toBe('previous-step');
    expect(matchShortcut(key({ key: 'p', code: 'KeyP', ctrlKey: true, altKey: true }), false)).toBe('presenter');
    expect(matchShortcut(key({ key: 'F1' }), false)).toBe('help');
    expect(matchShortcut(key({ key: 'F6' }), false)).toBe('next-pane');
    expect(matchShortcut(key({ key: 'F6', shiftKey: true }), false)).toBe('previous-pane');
  });

  it('lists the ways out of the terminal and the editor', () => {
    const keys = shortcutHelp(false).map((item) => item.keys);
    expect(keys).toEqual(expect.arrayContaining(['Esc then Tab  (Shift+Tab)', 'Ctrl+M in the editor']));
  });

  it('leaves ordinary typing alone', () => {
    const input = document.createElement('input');
    expect(matchShortcut(key({ key: '?' }, input), false)).toBeNull();
    expect(matchShortcut(key({ key: '?' }, document.body), false)).toBe('help');
    expect(matchShortcut(key({ key: 'ArrowRight' }), false)).toBeNull();
    expect(matchShortcut(key({ key: 's' }), false)).toBeNull();
    expect(matchShortcut(key({ key: 's', ctrlKey: true }), true)).toBeNull();
  });
});
