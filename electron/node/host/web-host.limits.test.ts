import { readdirSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend, type Backend } from '../backend/create-backend.ts';
import { jsonNestsDeeperThan, startWebHost, type WebHost } from './web-host.ts';
import { launchProtocols } from './web-host.test-support.ts';

// Issue 21 item 5, the browser host's part: a deeply nested frame is refused before JSON.parse builds it, and
// a refused upgrade does not keep its socket (and descriptor) open for as long as the client holds it.

let backend: Backend;
let host: WebHost;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-host-limits-'));
  const rendererDir = path.join(tmp, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Labdeck</title>');
  backend = await createBackend({ shell: 'browser', labsDir: 'labs', dataDir: path.join(tmp, 'data'), kubeconfigOverride: path.join(tmp, 'no-kubeconfig') });
  host = await startWebHost({ dispatcher: backend.dispatcher, events: backend.events, rendererDir, log: () => undefined });
});

afterAll(async () => {
  await host?.close();
  await backend?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const origin = () => `http://127.0.0.1:${host.port}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, launchProtocols(host), { headers: { origin: origin() } });
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('browser host limits', () => {
  it('measures nesting without parsing, ignoring brackets inside strings', () => {
    expect(jsonNestsDeeperThan('{"a":[[1]]}', 3)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":[[[1]]]}', 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":"[[[[[[\\"[[[["}', 1)).toBe(false);
  });

  it('closes a socket whose frame nests too deeply before parsing it, and keeps answering', async () => {
    const ws = await open();
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
    // Balanced, so JSON.parse would accept it: only the depth check refuses it.
    ws.send(`{"type":"call","id":1,"name":"labs.list","input":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    expect(await closed).toEqual({ code: 1008, reason: 'Message is nested too deeply' });
    const other = await open();
    const answer = new Promise<{ ok: boolean }>((resolve) => other.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; outcome: { ok: boolean } };
      if (message.type === 'result') resolve(message.outcome);
    }));
    other.send(JSON.stringify({ type: 'call', id: 2, name: 'labs.list', input: {} }));
    expect((await answer).ok).toBe(true);
    other.close();
  });

  it('closes a refused upgrade at once, even when the client keeps its end open', async () => {
    const descriptors = () => readdirSync('/proc/self/fd').length;
    const before = descriptors();
    const held: net.Socket[] = [];
    const count = 40;
    for (let attempt = 0; attempt < count; attempt++) {
      await new Promise<void>((resolve) => {
        // allowHalfOpen: this client never closes its side, like one holding sockets to exhaust descriptors.
        const socket = net.connect({ port: host.port, host: '127.0.0.1', allowHalfOpen: true }, () => {
          socket.write(['GET /api HTTP/1.1', `Host: 127.0.0.1:${host.port}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', `Origin: ${origin()}`, '', ''].join('\r\n'));
        });
        socket.on('error', () => undefined);
        socket.once('data', (data) => {
          expect(data.toString()).toMatch(/^HTTP\/1\.1 401 Unauthorized/);
          resolve();
        });
        held.push(socket);
      });
    }
    await sleep(200);
    // The clients' own descriptors stay (they hold them); the host's side of each must be gone.
    const extra = descriptors() - before;
    for (const socket of held) socket.destroy();
    expect(extra).toBeLessThanOrEqual(count + 5);
  });
});
