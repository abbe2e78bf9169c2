import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import WebSocket from 'ws';
import config, { chromiumPath } from '../playwright.config.ts';
import { webSocketProtocols, type Credential } from '../electron/common/api/access-token.ts';
import { createBackend } from '../electron/node/backend/create-backend.ts';
import { startWebHost } from '../electron/node/host/web-host.ts';
import { startKubeApiTestDouble } from './support/kube-api-test-double.ts';
import { sampleClusterObjects } from './support/sample-cluster.ts';

// Issue 21 item 4: Chromium keeps the address it was given in History, Favicons, its session files and the
// omnibox's suggestions, and the tab's sessionStorage in its profile. Whatever it kept must not open
// Labdeck: the launch code dies on first use, and the tab's secret a short grace after the tab closed.
// A real persistent Chromium profile, the real renderer build, and the browser host in this process (so
// the grace can be short).

const graceMs = 3000;

/** Every base64url run of 43 or more characters in the profile's files, read as bytes and as UTF-16. */
async function tokenLookingStrings(dir: string): Promise<Set<string>> {
  const found = new Set<string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const bytes = await readFile(path.join(entry.parentPath, entry.name)).catch(() => null);
    if (!bytes) continue;
    for (const text of [bytes.toString('latin1'), bytes.toString('utf16le'), bytes.subarray(1).toString('utf16le')]) {
      for (const match of text.matchAll(/[A-Za-z0-9_-]{43,}/g)) found.add(match[0]);
    }
  }
  return found;
}

/** Whether the host accepts `credential` on a WebSocket handshake (it answers hello) or refuses it. */
function accepted(port: number, credential: Credential): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, webSocketProtocols(credential), { headers: { origin: `http://127.0.0.1:${port}` } });
    ws.once('message', () => {
      ws.terminate();
      resolve(true);
    });
    ws.once('unexpected-response', () => resolve(false));
    ws.once('error', () => resolve(false));
  });
}

test('nothing Chromium keeps in its profile opens Labdeck once the tab is gone', async () => {
  test.setTimeout(120_000);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-history-'));
  const double = await startKubeApiTestDouble({ objects: sampleClusterObjects() });
  const backend = await createBackend({ shell: 'browser', labsDir: 'labs', dataDir: path.join(tmp, 'data'), kubeconfigOverride: double.kubeconfigPath });
  const host = await startWebHost({ dispatcher: backend.dispatcher, events: backend.events, rendererDir: 'dist/renderer', tabGraceMs: graceMs, log: () => undefined });
  const profile = path.join(tmp, 'profile');
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      args: config.use?.launchOptions?.args ?? [],
      viewport: { width: 1440, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const address = host.url;
    const code = new URL(address).hash.replace('#launch=', '');
    await page.goto(address);
    const labs = page.getByRole('navigation', { name: 'Labs' });
    await expect(labs.getByRole('button', { name: /^1\.1 / })).toBeVisible();
    expect(page.url()).not.toContain(code);
    // F5 keeps working: the tab's secret is in its sessionStorage.
    await page.reload();
    await expect(labs.getByRole('button', { name: /^1\.1 / })).toBeVisible();
    const secret = await page.evaluate(() => sessionStorage.getItem('labdeck.tabSecret'));
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The address again, as the omnibox or History offers it: its code was used, it opens nothing.
    expect(await accepted(host.port, { kind: 'launch', code })).toBe(false);
    const again = await context.newPage();
    await again.goto(address);
    await expect(again.getByRole('alert')).toContainText('labdeck serve');
    await expect(again.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.1 / })).toHaveCount(0);
    // The tab that used it goes on.
    await expect(page.getByText('Lost the connection')).toHaveCount(0);
    // While its tab is open, the secret works (a reconnect needs it).
    expect(await accepted(host.port, { kind: 'tab', secret: secret! })).toBe(true);

    // Closing the browser writes History, Favicons, Sessions and Session Storage to the profile.
    await context.close();
    await expect.poll(() => host.tabs(), { timeout: graceMs + 5000 }).toBe(0);

    const found = await tokenLookingStrings(profile);
    // The profile did keep both, so the check below is not vacuous: the code in History, Favicons and the
    // session files (Sessions/Session_*, Tabs_*), the secret in Session Storage.
    expect([...found].some((candidate) => candidate.includes(code))).toBe(true);
    expect([...found].some((candidate) => candidate.includes(secret!))).toBe(true);
    // Every token-looking string, and each 43- and 65-character window of the longer ones, is refused.
    const candidates = new Set<string>();
    for (const candidate of found) {
      for (const size of [43, 65]) for (let start = 0; start + size <= candidate.length; start++) candidates.add(candidate.slice(start, start + size));
    }
    expect(candidates.has(code)).toBe(true);
    expect(candidates.has(secret!)).toBe(true);
    for (const candidate of candidates) {
      const credential: Credential = candidate.length === 65 ? { kind: 'launch', code: candidate } : { kind: 'tab', secret: candidate };
      expect(await accepted(host.port, credential), `${credential.kind} ${candidate} from the profile`).toBe(false);
    }
    expect(await accepted(host.port, { kind: 'tab', secret: secret! })).toBe(false);
  } finally {
    await host.close();
    await backend.dispose();
    await double.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
