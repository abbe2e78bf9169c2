import { credentialPattern, launchFragmentKey, oldTokenKey, type Credential } from '../../../../electron/common/api/access-token.ts';

/** Where this tab's secret survives a reload: sessionStorage is per tab and per origin, port included. */
const storageKey = 'labdeck.tabSecret';

export interface TokenPage {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState' | 'state'>;
  /** Absent (or throwing) where storage is disabled; the secret then lives in memory only. */
  storage?: Pick<Storage, 'getItem' | 'setItem'>;
}

/**
 * What this tab presents to the browser host (electron/common/api/access-token.ts). `labdeck serve` prints
 * `http://127.0.0.1:PORT/#launch=…`: the fragment never reaches a server, and this takes the one-time code
 * out of the address bar at once (replaceState). The browser's history, session files and omnibox still
 * saw the address, but the code dies on first use: the host answers it with a secret for this tab, which
 * `rememberTabSecret` keeps in memory and sessionStorage. A reload (F5) of this tab finds the secret there
 * and goes on; another tab or browser needs a fresh address from `labdeck serve`. A launch code in the
 * address wins over a stored secret: the user opened a new address on purpose. Null: nothing to present.
 */
export function takeCredential(page: TokenPage): Credential | null {
  const fragment = new URLSearchParams(page.location.hash.replace(/^#/, ''));
  const code = fragment.get(launchFragmentKey);
  const oldToken = fragment.get(oldTokenKey);
  if (code !== null || oldToken !== null) {
    fragment.delete(launchFragmentKey);
    fragment.delete(oldTokenKey);
    const rest = fragment.toString();
    page.history.replaceState(page.history.state, '', `${page.location.pathname}${page.location.search}${rest ? `#${rest}` : ''}`);
    if (code !== null && credentialPattern.test(code)) return { kind: 'launch', code };
  }
  const secret = safely(() => page.storage?.getItem(storageKey)) ?? null;
  return secret !== null && credentialPattern.test(secret) ? { kind: 'tab', secret } : null;
}

/** Keeps the secret the host gave this tab for the next reload of the same tab. */
export function rememberTabSecret(page: Pick<TokenPage, 'storage'>, secret: string): void {
  safely(() => page.storage?.setItem(storageKey, secret));
}

function safely<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch {
    // Storage disabled by the browser's privacy settings: the secret lives in memory only (no reload).
    return undefined;
  }
}

/** Shown instead of the app when the browser shell has nothing to present. */
export const missingTokenMessage =
  'Labdeck needs a fresh address. Open the latest address printed by `labdeck serve` (or `npm run web`) in its terminal: it ends in #launch=… and opens one tab.';
