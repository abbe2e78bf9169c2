import { describe, expect, it } from 'vitest';
import { LEAVE_WINDOW_MS, TerminalKeys } from './terminal-keys.ts';

const textarea = () => document.createElement('textarea');
function key(init: KeyboardEventInit, type = 'keydown'): KeyboardEvent {
  const event = new KeyboardEvent(type, { bubbles: true, ...init });
  Object.defineProperty(event, 'target', { value: textarea() });
  return event;
}

describe('TerminalKeys', () => {
  it('gives the app its shortcuts but keeps Apply and ordinary keys in the shell', () => {
    const keys = new TerminalKeys(false, () => 0);
    expect(keys.decide(key({ key: 'F1' }))).toBe('app');
    expect(keys.decide(key({ key: 'F6' }))).toBe('app');
    expect(keys.decide(key({ key: 'F6', shiftKey: true }))).toBe('app');
    expect(keys.decide(key({ key: 'p', code: 'KeyP', ctrlKey: true, altKey: true }))).toBe('app');
    expect(keys.decide(key({ key: 'ArrowRight', altKey: true }))).toBe('app');
    expect(keys.decide(key({ key: 's', ctrlKey: true }))).toBe('terminal');
    expect(keys.decide(key({ key: '?' }))).toBe('terminal');
    expect(keys.decide(key({ key: 'c', ctrlKey: true }))).toBe('terminal');
    expect(keys.decide(key({ key: 'F', code: 'KeyF', ctrlKey: true, shiftKey: true }))).toBe('find');
  });

  it('leaves on Escape then Tab, but Tab alone completes in the shell', () => {
    let now = 1000;
    const keys = new TerminalKeys(false, () => now);
    expect(keys.decide(key({ key: 'Tab' }))).toBe('terminal');
    expect(keys.decide(key({ key: 'Escape' }))).toBe('terminal');
    now += 200;
    expect(keys.decide(key({ key: 'Escape' }, 'keyup'))).toBe('terminal');
    expect(keys.decide(key({ key: 'Shift', shiftKey: true }))).toBe('terminal');
    expect(keys.decide(key({ key: 'Tab', shiftKey: true }))).toBe('leave');
    // The window closes after one use, after a delay, and after another key.
    expect(keys.decide(key({ key: 'Tab' }))).toBe('terminal');
    keys.decide(key({ key: 'Escape' }));
    now += LEAVE_WINDOW_MS + 1;
    expect(keys.decide(key({ key: 'Tab' }))).toBe('terminal');
    keys.decide(key({ key: 'Escape' }));
    keys.decide(key({ key: 'j' }));
    expect(keys.decide(key({ key: 'Tab' }))).toBe('terminal');
  });
});
