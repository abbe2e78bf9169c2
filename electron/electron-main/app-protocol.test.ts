import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../common/csp.ts';
import { contentTypeFor } from '../node/renderer-files.ts';
import { APP_ENTRY_URL, createAppProtocolHandler, isAppUrl, resolveAppFile } from './app-protocol.ts';

describe('isAppUrl', () => {
  it.each(['labdeck://app/', 'labdeck://app/index.html', 'labdeck://app/assets/x.js?v=1#top', 'labdeck://app'])('accepts %s', (url) => {
    expect(isAppUrl(url)).toBe(true);
  });

  it.each([
    'labdeck://evil/index.html',
    'labdeck://app.evil.com/',
    'labdeck://user:pw@app/',
    'labdeck://app:8080/',
    'https://app/',
    'file:///index.html',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'about:blank',
    'devtools://devtools/bundled/inspector.html',
    '',
    'labdeck:app',
    'not a url',
    // Chromium canonicalises standard-scheme hosts to lower case before Electron sees them; anything else is odd.
    'labdeck://APP/index.html',
  ])('refuses %s', (url) => {
    expect(isAppUrl(url)).toBe(false);
  });

  it('refuses non-strings', () => {
    for (const value of [undefined, null, 1, {}, new URL('labdeck://app/')]) expect(isAppUrl(value)).toBe(false);
  });
});

describe('resolveAppFile', () => {
  const root = path.resolve('/srv/labdeck/dist/renderer');

  it('maps app URLs to files under the root, defaulting to index.html', () => {
    expect(resolveAppFile(root, 'labdeck://app/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, APP_ENTRY_URL)).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, 'labdeck://app/assets/index-abc.js?x=1#y')).toBe(path.join(root, 'assets', 'index-abc.js'));
    expect(resolveAppFile(root, 'labdeck://app/assets/a%20b.css')).toBe(path.join(root, 'assets', 'a b.css'));
  });

  it.each([
    'labdeck://app/../../../etc/passwd',
    'labdeck://app/%2e%2e/%2e%2e/etc/passwd',
    'labdeck://app/assets/..%2f..%2f..%2fetc%2fpasswd',
    'labdeck://app/..%5c..%5cwindows%5cwin.ini',
    'labdeck://app/%2fetc%2fpasswd',
    'labdeck://app/C:%5cWindows%5cwin.ini',
    'labdeck://app/index.html%00.js',
    'labdeck://app/%E0%A4%A',
  ])('refuses traversal or malformed path %s', (url) => {
    const file = resolveAppFile(root, url);
    // The URL parser itself collapses plain and %2e dot segments to the root; those land inside it.
    if (file !== null) expect(file.startsWith(root + path.sep)).toBe(true);
    if (/%2f|%5c|%00|%E0/i.test(url)) expect(file).toBeNull();
  });

  it('refuses URLs that are not the app', () => {
    expect(resolveAppFile(root, 'file:///srv/labdeck/dist/renderer/index.html')).toBeNull();
    expect(resolveAppFile(root, 'labdeck://other/index.html')).toBeNull();
    expect(resolveAppFile(root, 'https://app/index.html')).toBeNull();
  });
});

describe('createAppProtocolHandler', () => {
  let dir: string;
  let root: string;
  const csp = contentSecurityPolicy();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-protocol-'));
    root = path.join(dir, 'renderer');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Labdeck</title>');
    await writeFile(path.join(root, 'assets', 'main.js'), 'console.log(1)');
    await writeFile(path.join(dir, 'secret.txt'), 'outside the root');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const handler = () => createAppProtocolHandler({ root, contentSecurityPolicy: csp, readFile: (file) => readFile(file) });

  it('serves index.html with the CSP, a content type and nosniff', async () => {
    const response = await handler()(new Request('labdeck://app/'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(csp);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>Labdeck</title>');
  });

  it('serves module scripts as JavaScript (required for type=module)', async () => {
    const response = await handler()(new Request('labdeck://app/assets/main.js'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await response.text()).toBe('console.log(1)');
  });

  it('answers 404 for missing files, folders and anything outside the root, still with the CSP', async () => {
    for (const url of ['labdeck://app/nope.js', 'labdeck://app/assets', 'labdeck://app/..%2fsecret.txt', 'labdeck://app/../secret.txt']) {
      const response = await handler()(new Request(url));
      expect(response.status, url).toBe(404);
      expect(response.headers.get('content-security-policy')).toBe(csp);
      expect(await response.text()).not.toContain('outside the root');
    }
  });

  it('refuses other hosts and methods', async () => {
    expect((await handler()(new Request('labdeck://other/index.html'))).status).toBe(404);
    expect((await handler()(new Request('labdeck://app/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('answers HEAD without a body', async () => {
    const response = await handler()(new Request('labdeck://app/index.html', { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('reports unexpected read errors as 500 without details', async () => {
    const failing = createAppProtocolHandler({
      root,
      contentSecurityPolicy: csp,
      readFile: async () => {
        throw Object.assign(new Error('EACCES: /very/secret/path'), { code: 'EACCES' });
      },
    });
    const response = await failing(new Request('labdeck://app/index.html'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('/very/secret');
  });
});

describe('contentTypeFor', () => {
  it('knows the renderer build\'s file types and falls back to octet-stream', () => {
    expect(contentTypeFor('a/b.CSS')).toMatch(/^text\/css/);
    expect(contentTypeFor('font.woff2')).toBe('font/woff2');
    expect(contentTypeFor('x.wasm')).toBe('application/wasm');
    expect(contentTypeFor('Makefile')).toBe('application/octet-stream');
  });
});
