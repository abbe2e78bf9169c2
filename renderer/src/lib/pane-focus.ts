/**
 * F6 / Shift+F6 move between the window's areas (top bar, lab list, guide, workspace), as in VS Code and
 * browsers. It is also the way out of the terminal and the editor, which keep Tab for themselves.
 */

const TABBABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The first control in `pane` that Tab would reach and that is on screen. */
export function firstTabbable(pane: HTMLElement): HTMLElement | null {
  for (const element of pane.querySelectorAll<HTMLElement>(TABBABLE)) {
    if (element.closest('[hidden], [inert]')) continue;
    if (element.getClientRects().length === 0) continue;
    return element;
  }
  return null;
}

/** The pane after (or before) the one holding `active`; the first (or last) when focus is in none. */
export function nextPane(panes: readonly HTMLElement[], active: Element | null, direction: 1 | -1): HTMLElement | null {
  if (panes.length === 0) return null;
  const current = panes.findIndex((pane) => active !== null && pane.contains(active));
  const start = current === -1 ? (direction === 1 ? -1 : panes.length) : current;
  return panes[(start + direction + panes.length) % panes.length] ?? null;
}

/** Moves focus to the next area's first control, or the area itself when it has none. */
export function focusNextPane(panes: readonly HTMLElement[], direction: 1 | -1): void {
  const pane = nextPane(panes, document.activeElement, direction);
  if (!pane) return;
  const target = firstTabbable(pane);
  if (target) {
    target.focus();
  } else {
    if (!pane.hasAttribute('tabindex')) pane.setAttribute('tabindex', '-1');
    pane.focus();
  }
}
