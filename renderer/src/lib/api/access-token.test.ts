import { describe, expect, it } from 'vitest';
import { rememberTabSecret, takeCredential, type TokenPage } from './access-token.ts';

const code = 'AbC-_123'.repeat(8) + 'x';
const secret = 'SeCrEt_-'.repeat(5) + 'abc';

function page(address: string, stored: Record<string, string> = {}) {
  const url = new URL(address);
  const replaced: string[] = [];
  const storage = new Map(Object.entries(stored));
  const tokenPage: TokenPage = {
    location: { hash: url.hash, pathname: url.pathname, search: url.search },
    history: { state: null, replaceState: (_state, _title, next) => void replaced.push(String(next)) },
    storage: { getItem: (key) => storage.get(key) ?? null, setItem: (key, value) => void storage.set(key, value) },
  };
  return { tokenPage, replaced, storage };
}

describe('the browser shell credential', () => {
  it('takes the one-time launch code from the fragment and removes it from the address at once', () => {
    const { tokenPage, replaced } = page(`http://127.0.0.1:4000/#launch=${code}`);
    expect(takeCredential(tokenPage)).toEqual({ kind: 'launch', code });
    expect(replaced).toEqual(['/']);
  });

  it('keeps other fragment parameters and the query', () => {
    const { tokenPage, replaced } = page(`http://127.0.0.1:4000/?lab=1.2#launch=${code}&step=3`);
    expect(takeCredential(tokenPage)).toEqual({ kind: 'launch', code });
    expect(replaced).toEqual(['/?lab=1.2#step=3']);
  });

  it("survives a reload (F5) of the same tab through the tab's secret in sessionStorage, never a cookie", () => {
    const first = page(`http://127.0.0.1:4000/#launch=${code}`);
    takeCredential(first.tokenPage);
    rememberTabSecret(first.tokenPage, secret);
    const reloaded = page('http://127.0.0.1:4000/', Object.fromEntries(first.storage));
    expect(takeCredential(reloaded.tokenPage)).toEqual({ kind: 'tab', secret });
    expect(reloaded.replaced).toEqual([]);
  });

  it('prefers a launch code in the address over a stored secret: the user opened a new address', () => {
    const { tokenPage } = page(`http://127.0.0.1:4000/#launch=${code}`, { 'labdeck.tabSecret': secret });
    expect(takeCredential(tokenPage)).toEqual({ kind: 'launch', code });
  });

  it('is null without one, and for a malformed code or an old reusable #token= address (which still leave the address)', () => {
    expect(takeCredential(page('http://127.0.0.1:4000/').tokenPage)).toBeNull();
    const bad = page('http://127.0.0.1:4000/#launch=%3Cscript%3E');
    expect(takeCredential(bad.tokenPage)).toBeNull();
    expect(bad.replaced).toEqual(['/']);
    const old = page(`http://127.0.0.1:4000/#token=${code}`);
    expect(takeCredential(old.tokenPage)).toBeNull();
    expect(old.replaced).toEqual(['/']);
  });

  it('works with storage disabled, from memory only', () => {
    const { tokenPage } = page(`http://127.0.0.1:4000/#launch=${code}`);
    tokenPage.storage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(takeCredential(tokenPage)).toEqual({ kind: 'launch', code });
    expect(() => rememberTabSecret(tokenPage, secret)).not.toThrow();
  });
});
