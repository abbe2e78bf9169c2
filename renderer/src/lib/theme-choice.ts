/**
 * Light, dark or "as the system says": the attendee's choice, kept in this browser (localStorage), applied
 * as `data-theme` on <html>, which theme.css and the editor/terminal colours (editor/theme.ts) read.
 * Projectors and bright rooms often want the opposite of the laptop's setting, hence a switch in the app.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const STORAGE_KEY = 'labdeck.theme';

export function savedThemeChoice(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): ThemeChoice {
  try {
    const saved = storage?.getItem(STORAGE_KEY);
    return saved === 'light' || saved === 'dark' || saved === 'system' ? saved : 'system';
  } catch {
    return 'system';
  }
}

export function saveThemeChoice(choice: ThemeChoice, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(STORAGE_KEY, choice);
  } catch {
    // Storage refused (private window, quota): the choice still holds until the page is closed.
  }
}

/** Sets `data-theme` now and, for "system", whenever the OS switches; returns a function that stops following. */
export function applyThemeChoice(choice: ThemeChoice, root: HTMLElement = document.documentElement): () => void {
  if (choice !== 'system') {
    root.dataset.theme = choice;
    return () => undefined;
  }
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const follow = () => {
    root.dataset.theme = media?.matches ? 'dark' : 'light';
  };
  follow();
  media?.addEventListener('change', follow);
  return () => media?.removeEventListener('change', follow);
}
