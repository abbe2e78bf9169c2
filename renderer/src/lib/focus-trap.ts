import { firstTabbable } from './pane-focus.ts';

/**
 * Keeps Tab inside a modal dialog. showModal() makes the page behind inert, but Tab still walks out of the
 * dialog into the browser's own toolbar; wrapping at the ends keeps a keyboard user in the dialog.
 */
export function wrapTab(container: HTMLElement, event: KeyboardEvent): void {
  if (event.key !== 'Tab' || event.altKey || event.ctrlKey || event.metaKey) return;
  const first = firstTabbable(container);
  const all = [...container.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])')].filter(
    (element) => element.getClientRects().length > 0,
  );
  const last = all.at(-1) ?? null;
  if (!first || !last) {
    event.preventDefault();
    return;
  }
  const active = document.activeElement;
  if (event.shiftKey && (active === first || !container.contains(active))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (active === last || !container.contains(active))) {
    event.preventDefault();
    first.focus();
  }
}
