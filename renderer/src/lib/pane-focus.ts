/**
 * F6 / Shift+F6 move between the window's areas (top bar, lab list, guide, workspace), as in VS Code and
 * browsers. It is also the way out of the terminal and the editor, which keep Tab for themselves.
 */

const TABBABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** On screen and in the Tab order (a control with tabindex="-1", such as a hidden file input, is not). */
const reachable = (element: HTMLElement) => element.tabIndex >= 0 && !element.closest('[hidden], [inert]') && element.getClientRects().length > 0;

/** The first control in `pane` that Tab would reach and that is on screen. */
export function firstTabbable(pane: HTMLElement): HTMLElement | null {
  for (const element of pane.querySelectorAll<HTMLElement>(TABBABLE)) if (reachable(element)) return element;
  return null;
}

/**
 * Where Tab (direction 1) or Shift+Tab (-1) must go when the browser would leave the page: from its last
 * control (or first, going back) on to its first (or last), instead of to the page body. The terminal and
 * the editor sit last on the page, so "Esc then Tab" and "Ctrl+M then Tab" would otherwise drop focus there.
 * Null when the browser's own move stays in the page.
 */
export function wrapTabTarget(root: ParentNode, active: Element | null, direction: 1 | -1): HTMLElement | null {
  if (!active) return null;
  const controls = [...root.querySelectorAll<HTMLElement>(TABBABLE)].filter(reachable);
  const index = controls.indexOf(active as HTMLElement);
  if (index === -1 || controls.length < 2) return null;
  if (direction === 1 && index === controls.length - 1) return controls[0] ?? null;
  if (direction === -1 && index === 0) return controls.at(-1) ?? null;
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
