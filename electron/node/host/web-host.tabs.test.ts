import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { webSocketProtocols, type Credential } from '../../common/api/access-token.ts';
import type { CallHandlers } from '../../common/api/contract.ts';
import { Dispatcher } from '../backend/dispatcher.ts';
import { EventHub } from '../backend/events.ts';
import { setup } from '../terminals/terminal-fakes.test-support.ts';
import { createTerminalHandlers } from '../terminals/terminal-handlers.ts';
import { mintLaunchCode, newLaunchKey } from './tab-sessions.ts';
import { startWebHost, type WebHost } from './web-host.ts';
import { launchCode, launchCredential } from './web-host.test-support.ts';

// Issue 21 items 4 and 5: the address's launch code opens one tab, once; the tab's secret carries reloads
// and reconnects within the grace period and dies after it, and a tab gone for good takes its shells along.

const graceMs = 400;
let tmp: string;
let rendererDir: string;
let host: WebHost | undefined;
let terminals: ReturnType<typeof setup> | undefined;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-host-tabs-'));
  rendererDir = path.join(tmp, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Labdeck</title>');
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

afterEach(async () => {
  await host?.close();
  await terminals?.service.dispose();
  host = undefined;
  terminals = undefined;
});

/** A host whose only calls are the terminal ones, over fake shells; a gone tab releases its terminals. */
async function start(options: { launchKey?: Buffer; launched?: () => void } = {}): Promise<WebHost> {
  terminals = setup();
  const service = terminals.service;
  const events = new EventHub();
  const dispatcher = new Dispatcher(createTerminalHandlers(service) as CallHandlers, { onClientsGone: (clientIds) => service.release(clientIds) });
  host = await startWebHost({
    dispatcher,
    events,
    rendererDir,
    tabGraceMs: graceMs,
    log: () => undefined,
    ...(options.launchKey ? { launchKey: options.launchKey } : {}),
    ...(options.launched ? { onLaunched: options.launched } : {}),
  });
  return host;
}

interface Page {
  ws: WebSocket;
  clientId: string;
  tabSecret: string | undefined;
  call(name: string, input: unknown): Promise<{ ok: boolean; value?: unknown }>;
}

/** Connects as a page presenting `credential`: resolves on hello, rejects with the refusal's status. */
function connect(target: WebHost, credential: Credential): Promise<Page> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${target.port}/api`, webSocketProtocols(credential), { headers: { origin: `http://127.0.0.1:${target.port}` } });
    const waiting = new Map<number, (outcome: { ok: boolean; value?: unknown }) => void>();
    let nextId = 1;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(String(data)) as { type: string; clientId: string; tabSecret?: string; id: number; outcome: { ok: boolean } };
      if (message.type === 'hello') {
        resolve({
          ws,
          clientId: message.clientId,
          tabSecret: message.tabSecret,
          call: (name, input) =>
            new Promise((settle) => {
              const id = nextId++;
              waiting.set(id, settle);
              ws.send(JSON.stringify({ type: 'call', id, name, input }));
            }),
        });
      } else if (message.type === 'result') waiting.get(message.id)?.(message.outcome);
    });
    ws.once('unexpected-response', (_request, response) => reject(new Error(`refused with ${response.statusCode}`)));
    ws.once('error', reject);
  });
}

function closed(page: Page): Promise<void> {
  return new Promise((resolve) => {
    page.ws.once('close', () => resolve());
    page.ws.close();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('browser host tabs', () => {
  it('opens one tab per launch code, once, and gives that tab a secret of its own', async () => {
    let launched = 0;
    const target = await start({ launched: () => launched++ });
    const code = launchCode(target);
    const page = await connect(target, { kind: 'launch', code });
    expect(page.tabSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(page.tabSecret).not.toBe(code);
    expect(launched).toBe(1);
    // The same address again (History, an omnibox suggestion, a second browser): refused.
    await expect(connect(target, { kind: 'launch', code })).rejects.toThrow('refused with 401');
    // The tab's own secret works, and names no new secret.
    const reconnected = await connect(target, { kind: 'tab', secret: page.tabSecret! });
    expect(reconnected.tabSecret).toBeUndefined();
    expect(target.tabs()).toBe(1);
    expect(launched).toBe(1);
    page.ws.close();
    reconnected.ws.close();
  });

  it('refuses forged launch codes: wrong MAC, another host\'s key, or any secret it never gave', async () => {
    const target = await start();
    const genuine = launchCode(target);
    const forged = `${genuine.slice(0, 22)}${genuine.slice(22).split('').reverse().join('')}`;
    await expect(connect(target, { kind: 'launch', code: forged })).rejects.toThrow('refused with 401');
    await expect(connect(target, { kind: 'launch', code: mintLaunchCode(newLaunchKey()) })).rejects.toThrow('refused with 401');
    await expect(connect(target, { kind: 'tab', secret: genuine.slice(0, 43) })).rejects.toThrow('refused with 401');
    // Refusals spend nothing: the genuine code still opens its tab.
    await expect(connect(target, { kind: 'launch', code: genuine })).resolves.toMatchObject({ tabSecret: expect.any(String) });
  });

  it('mints codes from the key it was given, so a harness holding the key can open pages', async () => {
    const launchKey = newLaunchKey();
    const target = await start({ launchKey });
    await expect(connect(target, { kind: 'launch', code: mintLaunchCode(launchKey) })).resolves.toMatchObject({ tabSecret: expect.any(String) });
  });

  it('keeps a tab through a reload within the grace period, and forgets its secret after it', async () => {
    const target = await start();
    const first = await connect(target, launchCredential(target));
    const secret = first.tabSecret!;
    await closed(first);
    // F5: the page is gone for a moment and comes back with the secret from sessionStorage.
    await sleep(graceMs / 4);
    const reloaded = await connect(target, { kind: 'tab', secret });
    await closed(reloaded);
    await vi.waitFor(() => expect(target.tabs()).toBe(0), { timeout: graceMs * 5, interval: 50 });
    await expect(connect(target, { kind: 'tab', secret })).rejects.toThrow('refused with 401');
  });

  it('forgets a tab whose exchange never turned into a connection', async () => {
    const target = await start();
    // The code is spent by a handshake the client abandons before it completes.
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${target.port}/api`, webSocketProtocols(launchCredential(target)), { headers: { origin: `http://127.0.0.1:${target.port}` } });
      ws.on('error', () => undefined);
      ws.once('upgrade', () => {
        ws.terminate();
        resolve();
      });
    });
    await vi.waitFor(() => expect(target.tabs()).toBe(0), { timeout: graceMs * 5, interval: 50 });
  });

  it("ends a gone tab's shells after the grace period, and keeps those of a tab that came back in time", async () => {
    const target = await start();
    const staying = await connect(target, launchCredential(target));
    const leaving = await connect(target, launchCredential(target));
    const open = async (page: Page, node: string) => (await page.call('terminal.open', { target: { kind: 'node', node }, cols: 80, rows: 24 })) as { ok: boolean; value: { id: string } };
    const kept = await open(staying, 'worker1');
    const ended = await open(leaving, 'worker2');
    expect(kept.ok && ended.ok).toBe(true);
    const processes = terminals!.processes;
    // The staying tab reloads: its old connection closes, the new one comes back within the grace.
    await closed(staying);
    await closed(leaving);
    const back = await connect(target, { kind: 'tab', secret: staying.tabSecret! });
    await vi.waitFor(() => expect(processes[1]!.killed).toBe(true), { timeout: graceMs * 5, interval: 50 });
    expect(processes[0]!.killed).toBe(false);
    // The reloaded page attaches its shell (lazily, when its tab is shown) and goes on.
    expect((await back.call('terminal.attach', { id: kept.value.id })).ok).toBe(true);
    expect((await back.call('terminal.attach', { id: ended.value.id })).ok).toBe(false);
    back.ws.close();
  });
});
