import { tokenFragmentKey } from '../../../../electron/common/api/access-token.ts';

/** Where the token survives a reload of this tab: sessionStorage is per tab and per origin, port included. */
const storageKey = 'labdeck.accessToken';

export interface TokenPage {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState' | 'state'>;
  /** Absent (or throwing) where storage is disabled; the token then lives in memory only. */
  storage?: Pick<Storage, 'getItem' | 'setItem'>;
}

/**
 * The browser shell's per-launch token. `labdeck serve` prints `http://127.0.0.1:PORT/#token=…`: the
 * fragment never reaches a server, and this takes it out of the address bar and out of the history entry
 * at once (replaceState), so it is neither copied along with the address nor left in history. It is kept
 * in memory for the WebSocket handshake and in sessionStorage so a reload of this tab keeps working; unlike
 * a cookie, neither is ever sent to another port on 127.0.0.1. Null when the page was opened without one.
 */
export function takeAccessToken(page: TokenPage): string | null {
  const fragment = new URLSearchParams(page.location.hash.replace(/^#/, ''));
  const fromAddress = fragment.get(tokenFragmentKey);
  if (fromAddress !== null) {
    fragment.delete(tokenFragmentKey);
    const rest = fragment.toString();
    page.history.replaceState(page.history.state, '', `${page.location.pathname}${page.location.search}${rest ? `#${rest}` : ''}`);
    if (/^[A-Za-z0-9_-]{16,128}$/.test(fromAddress)) {
      safely(() => page.storage?.setItem(storageKey, fromAddress));
      return fromAddress;
    }
    return null;
  }
  return safely(() => page.storage?.getItem(storageKey)) ?? null;
}

function safely<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch {
    // Storage disabled by the browser's privacy settings: the token lives in memory only.
    return undefined;
  }
}

/** Shown instead of the app when the browser shell has no token to present. */
export const missingTokenMessage =
  'Labdeck needs its access token. Open the full address printed by `labdeck serve` (or `npm run web`): it ends in #token=…';
