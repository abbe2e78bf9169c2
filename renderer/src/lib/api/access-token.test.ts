import { describe, expect, it } from 'vitest';
import { takeAccessToken, type TokenPage } from './access-token.ts';

const token = 'AbC-_123'.repeat(5) + 'xyz';

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

describe('the browser shell access token', () => {
  it('is read from the fragment and removed from the address and its history entry at once', () => {
    const { tokenPage, replaced } = page(`http://127.0.0.1:4000/#token=${token}`);
    expect(takeAccessToken(tokenPage)).toBe(token);
    expect(replaced).toEqual(['/']);
  });

  it('keeps other fragment parameters and the query', () => {
    const { tokenPage, replaced } = page(`http://127.0.0.1:4000/?lab=1.2#token=${token}&step=3`);
    expect(takeAccessToken(tokenPage)).toBe(token);
    expect(replaced).toEqual(['/?lab=1.2#step=3']);
  });

  it('survives a reload of the same tab through sessionStorage (scoped to this port), never a cookie', () => {
    const first = page(`http://127.0.0.1:4000/#token=${token}`);
    takeAccessToken(first.tokenPage);
    const reloaded = page('http://127.0.0.1:4000/', Object.fromEntries(first.storage));
    expect(takeAccessToken(reloaded.tokenPage)).toBe(token);
    expect(reloaded.replaced).toEqual([]);
  });

  it('is null without a token, and for a malformed one (which still leaves the address)', () => {
    expect(takeAccessToken(page('http://127.0.0.1:4000/').tokenPage)).toBeNull();
    const bad = page('http://127.0.0.1:4000/#token=%3Cscript%3E');
    expect(takeAccessToken(bad.tokenPage)).toBeNull();
    expect(bad.replaced).toEqual(['/']);
  });

  it('works with storage disabled, from memory only', () => {
    const { tokenPage } = page(`http://127.0.0.1:4000/#token=${token}`);
    tokenPage.storage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(takeAccessToken(tokenPage)).toBe(token);
  });
});
