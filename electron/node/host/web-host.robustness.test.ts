import { readdirSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend, type Backend } from '../backend/create-backend.ts';
import { startWebHost, type WebHost } from './web-host.ts';
import { launchProtocols } from './web-host.test-support.ts';

// What a hostile or clumsy local process can send to the browser host, for real, over 127.0.0.1 to a host
// this test starts: resets, oversize frames, aborted downloads, floods of big calls. The host must live,
// keep no descriptors, and keep answering everyone else.

let backend: Backend;
let host: WebHost;
let tmp: string;
const logged: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-host-robust-'));
  const rendererDir = path.join(tmp, 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Labdeck</title>');
  // Bigger than the socket buffers, so an aborted download leaves the file stream mid-way.
  await writeFile(path.join(rendererDir, 'assets', 'big-1234.js'), Buffer.alloc(4 * 1024 * 1024, 0x20));
  backend = await createBackend({ shell: 'browser', labsDir: 'labs', dataDir: path.join(tmp, 'data'), kubeconfigOverride: path.join(tmp, 'no-kubeconfig') });
  host = await startWebHost({ dispatcher: backend.dispatcher, events: backend.events, rendererDir, log: (message) => logged.push(message) });
});

afterAll(async () => {
  await host?.close();
  await backend?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const origin = () => `http://127.0.0.1:${host.port}`;

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, launchProtocols(host), { headers: { origin: origin() } });
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends calls and resolves each result by id, in arrival order. */
function caller(ws: WebSocket) {
  const waiting = new Map<number, (value: { ok: boolean }) => void>();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id: number; outcome: { ok: boolean } };
    if (message.type === 'result') waiting.get(message.id)?.(message.outcome);
  });
  return (id: number, name: string, input: unknown) =>
    new Promise<{ ok: boolean }>((resolve) => {
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ type: 'call', id, name, input }));
    });
}

async function stillAnswers(): Promise<void> {
  const ws = await open();
  const outcome = await caller(ws)(1, 'labs.list', {});
  expect(outcome.ok).toBe(true);
  ws.close();
}

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('browser host under abuse', () => {
  it('lives through refused upgrades whose client resets the connection', async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(host.port, '127.0.0.1', () => {
          socket.write(
            [
              'GET /api HTTP/1.1',
              `Host: 127.0.0.1:${host.port}`,
              'Upgrade: websocket',
              'Connection: Upgrade',
              'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
              'Sec-WebSocket-Version: 13',
              `Origin: ${origin()}`,
              '',
              '',
            ].join('\r\n'),
            () => {
              socket.resetAndDestroy();
              resolve();
            },
          );
        });
        socket.on('error', () => resolve());
      });
    }
    await sleep(200);
    await stillAnswers();
  });

  it('lives through a reset in the middle of a request', async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(host.port, '127.0.0.1', () => {
          socket.write(`GET /assets/big-1234.js HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n\r\n`);
          socket.once('data', () => {
            socket.resetAndDestroy();
            resolve();
          });
        });
        socket.on('error', () => resolve());
      });
    }
    await sleep(200);
    await stillAnswers();
  });

  it('closes a socket that sends a 9 MiB frame (with the token) and lives', async () => {
    const ws = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send('x'.repeat(9 * 1024 * 1024));
    expect(await closed).toBe(1009);
    await sleep(100);
    await stillAnswers();
  });

  it('keeps no file descriptor open for aborted static downloads', async () => {
    await stillAnswers();
    const before = openDescriptors();
    for (let attempt = 0; attempt < 100; attempt++) {
      await new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port: host.port, path: '/assets/big-1234.js', headers: { host: `127.0.0.1:${host.port}` } }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
        req.end();
      });
    }
    // Closing is asynchronous; give the host a moment, then no more than a few stray descriptors may remain.
    let after = openDescriptors();
    for (let wait = 0; wait < 20 && after - before > 5; wait++) {
      await sleep(100);
      after = openDescriptors();
    }
    expect(after - before).toBeLessThanOrEqual(5);
  });

  it('does not let one client with many big calls starve another', async () => {
    const busy = await open();
    const other = await open();
    const callBusy = caller(busy);
    const callOther = caller(other);
    // A large manifest that really validates: many small, valid documents (about 250 KB).
    const documentText = (index: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${index}\ndata:\n  key: "${'v'.repeat(60)}"\n---\n`;
    let yaml = '';
    for (let index = 0; yaml.length < 250_000; index++) yaml += documentText(index);
    const order: string[] = [];
    const flood = Array.from({ length: 10 }, (_, index) => callBusy(index + 1, 'cluster.validate', { yaml }).then(() => order.push(`busy-${index + 1}`)));
    await sleep(20);
    const started = Date.now();
    await callOther(1, 'labs.list', {}).then(() => order.push('other'));
    const waited = Date.now() - started;
    await Promise.all(flood);
    // The other client is answered after a few of the busy client's calls, not after all ten.
    expect(order.indexOf('other'), order.join(' ')).toBeLessThan(5);
    expect(waited).toBeLessThan(10_000);
    busy.close();
    other.close();
  }, 120_000);
});
