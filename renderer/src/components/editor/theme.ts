/**
 * How the app looks right now, for the two widgets that draw their own text (xterm and Monaco): dark or
 * light (an explicit `data-theme` on <html> wins over the OS preference) and the code font size, which
 * follows the root font size so presenter mode enlarges terminal and editor too.
 */
export interface Appearance {
  dark: boolean;
  /** Pixel size for code text. */
  codeFontSize: number;
}

export function prefersDark(): boolean {
  const explicit = document.documentElement.dataset.theme;
  if (explicit === 'dark') return true;
  if (explicit === 'light') return false;
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

export function currentAppearance(): Appearance {
  const root = Number.parseFloat(getComputedStyle(document.documentElement).fontSize);
  const codeFontSize = Number.isFinite(root) && root > 0 ? Math.round(root * 0.93) : 14;
  return { dark: prefersDark(), codeFontSize };
}

/** Calls `listener` whenever the appearance may have changed; returns a stop function. */
export function watchAppearance(listener: (appearance: Appearance) => void): () => void {
  const notify = () => listener(currentAppearance());
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  media?.addEventListener('change', notify);
  const observer = new MutationObserver(notify);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'data-presenter', 'style', 'class'] });
  return () => {
    media?.removeEventListener('change', notify);
    observer.disconnect();
  };
}
