import type { ILinkHandler } from '@xterm/xterm';
import { isAllowedExternalUrl } from '../../../electron/common/external-links.ts';

/**
 * The one link policy of the renderer, for every way a link can be followed: Markdown anchors and image-map
 * areas in lab text (click, middle-click, keyboard), and terminal links (plain URLs and OSC 8 hyperlinks).
 * Nothing navigates the app's own page or opens a tab by itself: in-page anchors scroll, allow-listed
 * documentation links go to `open` (the backend's allow-list again, then the system browser or a new tab
 * without an opener), and everything else is refused.
 */
export type LinkDecision =
  | { kind: 'in-page' }
  /** Allow-listed: may leave the app through `open`. */
  | { kind: 'external'; url: string }
  | { kind: 'refused'; reason: string };

/** Web links lab text may show and offer to open (the allow-list decides whether they do). */
const WEB_LINK = /^https?:\/\//i;

export function decideLink(href: string | null | undefined): LinkDecision {
  const text = (href ?? '').trim();
  if (text === '') return { kind: 'refused', reason: 'The link has no address.' };
  if (text.startsWith('#')) return { kind: 'in-page' };
  if (!WEB_LINK.test(text)) return { kind: 'refused', reason: `Labdeck does not follow ${describe(text)} links.` };
  if (!isAllowedExternalUrl(text)) {
    return { kind: 'refused', reason: `Labdeck does not open ${text.slice(0, 200)} outside the app. Only https links to Kubernetes and CNI documentation open, and the lab's NodePort on this machine once the lab environment runs; copy the link if you need it.` };
  }
  return { kind: 'external', url: text };
}

/** Whether lab text may keep this href on an element at all (the sanitizer drops the rest). */
export function mayKeepHref(href: string): boolean {
  const text = href.trim();
  return text.startsWith('#') || WEB_LINK.test(text);
}

function describe(href: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href)?.[1];
  return scheme ? `${scheme.toLowerCase()}:` : 'relative';
}

export interface LinkActions {
  open(url: string): void;
  /** Tells the attendee why nothing happened; optional where there is no place to say it. */
  refused?(reason: string): void;
}

function follow(decision: LinkDecision, actions: LinkActions): void {
  if (decision.kind === 'external') actions.open(decision.url);
  else if (decision.kind === 'refused') actions.refused?.(decision.reason);
}

/**
 * Takes over every link activation inside `root`: primary click (also Enter on a focused link) and
 * auxiliary click (middle button, which browsers otherwise turn into a new tab by themselves). Anchors and
 * image-map areas alike. Returns the function that removes the listeners.
 */
export function guardLinks(root: HTMLElement | Document, actions: LinkActions): () => void {
  const handle = (event: Event) => {
    if (event.defaultPrevented || !(event instanceof MouseEvent)) return;
    const target = event.target as Element | null;
    const link = target?.closest?.('a[href], area[href]');
    if (!link) return;
    const decision = decideLink(link.getAttribute('href'));
    // An in-page anchor may scroll with the primary button; nothing else keeps the browser's default.
    if (decision.kind === 'in-page' && event.type === 'click') return;
    event.preventDefault();
    if (event.type === 'auxclick' && event.button !== 1) return;
    follow(decision, actions);
  };
  root.addEventListener('click', handle);
  root.addEventListener('auxclick', handle);
  return () => {
    root.removeEventListener('click', handle);
    root.removeEventListener('auxclick', handle);
  };
}

/**
 * For xterm: the OSC 8 hyperlink handler (without one, xterm opens any scheme after a bare confirm()) and
 * the WebLinksAddon callback for plain URLs, both under this policy.
 */
export function terminalLinks(actions: LinkActions): { linkHandler: ILinkHandler & { allowNonHttpProtocols: false }; onWebLink(event: MouseEvent, uri: string): void } {
  const activate = (event: MouseEvent, uri: string) => {
    event.preventDefault();
    follow(decideLink(uri), actions);
  };
  return { linkHandler: { allowNonHttpProtocols: false, activate }, onWebLink: activate };
}
