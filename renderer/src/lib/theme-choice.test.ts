import { describe, expect, it } from 'vitest';
import { applyThemeChoice, saveThemeChoice, savedThemeChoice } from './theme-choice.ts';

describe('theme choice', () => {
  it('applies an explicit choice and remembers it', () => {
    const root = document.createElement('html');
    applyThemeChoice('dark', root);
    expect(root.dataset.theme).toBe('dark');
    const store = new Map<string, string>();
    const storage = { getItem: (key: string) => store.get(key) ?? null, setItem: (key: string, value: string) => void store.set(key, value) };
    expect(savedThemeChoice(storage)).toBe('system');
    saveThemeChoice('light', storage);
    expect(savedThemeChoice(storage)).toBe('light');
    store.set('labdeck.theme', 'purple');
    expect(savedThemeChoice(storage)).toBe('system');
  });

  it('follows the system for "system"', () => {
    const root = document.createElement('html');
    const stop = applyThemeChoice('system', root);
    expect(['light', 'dark']).toContain(root.dataset.theme);
    stop();
  });
});
