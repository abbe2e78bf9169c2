import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { webSocketProtocols } from '../../common/api/access-token.ts';
import { decodeTerminalFrame, TERMINAL_OUTPUT_FRAME } from '../../common/api/terminal-frame.ts';
import { createBackend, type Backend } from '../backend/create-backend.ts';
import { startWebHost, type WebHost } from './web-host.ts';
import { launchCode, launchProtocols } from './web-host.test-support.ts';

// The browser host as a browser (or an attacker on the same machine) sees it: real HTTP and WebSocket
// requests against a real backend built from the course in labs/.

let backend: Backend;
let host: WebHost;
let tmp: string;
const logged: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-host-'));
  const rendererDir = path.join(tmp, 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Labdeck</title>');
  await writeFile(path.join(rendererDir, 'assets', 'app-1234.js'), 'console.log(1)');
  // Bigger than the socket buffers, so an aborted download leaves the file stream mid-way.
  await writeFile(path.join(rendererDir, 'assets', 'big-1234.js'), Buffer.alloc(4 * 1024 * 1024, 0x20));
  await writeFile(path.join(tmp, 'secret.txt'), 'outside the renderer');
  backend = await createBackend({ shell: 'browser', labsDir: 'labs', dataDir: path.join(tmp, 'data'), kubeconfigOverride: path.join(tmp, 'no-kubeconfig') });
  host = await startWebHost({ dispatcher: backend.dispatcher, events: backend.events, rendererDir, log: (message) => logged.push(message) });
});

afterAll(async () => {
  await host?.close();
  await backend?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(pathname: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path: pathname, headers: { host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const origin = () => `http://127.0.0.1:${host.port}`;

interface Connection {
  ws: WebSocket;
  clientId: string;
}

/** Opens a socket and waits for the host's hello, which names the client. */
function connect(headers: Record<string, string>, protocols: string[] = launchProtocols(host)): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, protocols, { headers });
    ws.once('message', (data) => {
      const hello = JSON.parse(String(data)) as { type: string; clientId: string };
      if (hello.type === 'hello') resolve({ ws, clientId: hello.clientId });
      else reject(new Error(`expected hello, got ${String(data)}`));
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
}

describe('browser host', () => {
  it('listens on the loopback address only, with a long random one-time launch code in the fragment', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/#launch=[A-Za-z0-9_-]{65}$`));
    expect(host.launchUrl()).not.toBe(host.launchUrl());
  });

  it('serves the static app without any secret: no token needed, no cookie set, no redirect', async () => {
    const reply = await get('/');
    expect(reply.status).toBe(200);
    expect(reply.headers['set-cookie']).toBeUndefined();
    expect(reply.body).not.toContain(new URL(host.url).hash.slice(1));
  });

  it('never redirects, so a path like //evil.example/ cannot send the browser off-site', async () => {
    for (const attempt of ['/.//evil.example/', '//evil.example/', '/.//evil.example/?x=1', `/.//evil.example/?launch=${launchCode(host)}`, '/\\evil.example/']) {
      const reply = await get(attempt);
      expect(reply.status, attempt).toBeGreaterThanOrEqual(400);
      expect(reply.headers.location, attempt).toBeUndefined();
    }
  });

  it('refuses a launch code (or an old token) in the query, where it would reach logs, and says where it belongs', async () => {
    for (const key of ['launch', 'token']) {
      const reply = await get(`/?${key}=${'a'.repeat(65)}`);
      expect(reply.status).toBe(400);
      expect(reply.headers.location).toBeUndefined();
      expect(reply.headers['set-cookie']).toBeUndefined();
      expect(reply.body).toContain('#launch=');
    }
  });

  it('serves the renderer with a strict CSP', async () => {
    const reply = await get('/');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<title>Labdeck</title>');
    const csp = String(reply.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(reply.headers['x-frame-options']).toBe('DENY');
  });

  it('marks hashed assets immutable', async () => {
    const reply = await get('/assets/app-1234.js');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toContain('text/javascript');
    expect(reply.headers['cache-control']).toContain('immutable');
  });

  it('never serves files outside the renderer build', async () => {
    for (const attempt of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00index.html']) {
      const reply = await get(attempt);
      expect(reply.status, attempt).toBe(404);
      expect(reply.body).not.toContain('outside the renderer');
    }
  });

  it('rejects requests naming another host (DNS rebinding)', async () => {
    const reply = await get('/', { host: `attacker.example:${host.port}` });
    expect(reply.status).toBe(421);
  });

  it('refuses sockets without a credential, with a wrong one, from another origin, or for another host', async () => {
    await expect(connect({ origin: origin() }, ['labdeck.v1'])).rejects.toThrow('refused with 401');
    await expect(connect({ origin: origin() }, webSocketProtocols({ kind: 'tab', secret: 'x'.repeat(43) }))).rejects.toThrow('refused with 401');
    await expect(connect({ origin: origin() }, webSocketProtocols({ kind: 'launch', code: 'x'.repeat(65) }))).rejects.toThrow('refused with 401');
    // A cookie, as the old host used, no longer opens anything.
    await expect(connect({ origin: origin(), cookie: `labdeck-session=${launchCode(host)}` }, ['labdeck.v1'])).rejects.toThrow('refused with 401');
    await expect(connect({ origin: 'http://attacker.example' })).rejects.toThrow('refused with 403');
    await expect(connect({})).rejects.toThrow('refused with 403');
    await expect(connect({ origin: `http://attacker.example:${host.port}`, host: `attacker.example:${host.port}` })).rejects.toThrow('refused with 421');
  });

  it('accepts a launch code on the handshake and never echoes it back', async () => {
    const { ws } = await connect({ origin: origin() });
    expect(ws.protocol).toBe('labdeck.v1');
    ws.close();
  });

  it('answers calls over the socket with values the contract allows', async () => {
    const { ws } = await connect({ origin: origin() });
    const reply = nextMessage(ws);
    ws.send(JSON.stringify({ type: 'call', id: 7, name: 'labs.list', input: {} }));
    const message = (await reply) as { type: string; id: number; outcome: { ok: boolean; value: Array<{ id: string }> } };
    expect(message.type).toBe('result');
    expect(message.id).toBe(7);
    expect(message.outcome.ok).toBe(true);
    expect(message.outcome.value.map((lab) => lab.id)).toEqual(['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9']);
    ws.close();
  });

  it('returns validation errors with an action instead of running the handler', async () => {
    const { ws } = await connect({ origin: origin() });
    const reply = nextMessage(ws);
    ws.send(JSON.stringify({ type: 'call', id: 1, name: 'labs.get', input: { labId: '../../etc' } }));
    const message = (await reply) as { outcome: { ok: boolean; error: { code: string; message: string; action: string } } };
    expect(message.outcome.ok).toBe(false);
    expect(message.outcome.error.code).toBe('invalid-request');
    expect(message.outcome.error.message).toContain('labId');
    expect(message.outcome.error.action).toBeTruthy();
    ws.close();
  });

  it('closes a socket that breaks the protocol', async () => {
    const { ws } = await connect({ origin: origin() });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'exec', command: 'rm -rf /' }));
    expect(await closed).toBe(1008);
  });

  it('sends an event meant for one renderer to that renderer only', async () => {
    const first = await connect({ origin: origin() });
    const second = await connect({ origin: origin() });
    expect(host.connections()).toBeGreaterThanOrEqual(2);
    expect(first.clientId).not.toBe(second.clientId);
    const seenBySecond: unknown[] = [];
    second.ws.on('message', (data) => seenBySecond.push(JSON.parse(String(data))));
    const received = nextMessage(first.ws);
    backend.events.emit('terminal.exit', { id: 't1', exitCode: 0 }, first.clientId);
    expect(await received).toEqual({ type: 'event', name: 'terminal.exit', payload: { id: 't1', exitCode: 0 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seenBySecond).toEqual([]);
    first.ws.close();
    second.ws.close();
  });

  it("sends a terminal's output as binary frames, not JSON, and only to the renderer that opened it", async () => {
    const { ws } = await connect({ origin: origin() });
    const other = await connect({ origin: origin() });
    const frames: Buffer[] = [];
    const texts: { type: string; id?: number; name?: string; outcome?: { ok: boolean; value?: { id: string } } }[] = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? frames.push(data) : texts.push(JSON.parse(String(data)))));
    const seenByOther: unknown[] = [];
    other.ws.on('message', (data: Buffer) => seenByOther.push(data));
    const until = async (condition: () => boolean, what: string) => {
      for (const deadline = Date.now() + 15_000; !condition(); await new Promise((resolve) => setTimeout(resolve, 20))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      }
    };
    ws.send(JSON.stringify({ type: 'call', id: 1, name: 'terminal.open', input: { target: { kind: 'host' }, cols: 80, rows: 24 } }));
    await until(() => texts.some((message) => message.id === 1), 'terminal.open');
    const opened = texts.find((message) => message.id === 1)!;
    expect(opened.outcome?.ok).toBe(true);
    const id = opened.outcome!.value!.id;
    try {
      // The shell computes 42, so the match is its output and not the echo of what was typed.
      ws.send(JSON.stringify({ type: 'call', id: 2, name: 'terminal.input', input: { id, data: 'echo labdeck-$((6 * 7))\r' } }));
      const output = () => Buffer.concat(frames.map((frame) => decodeTerminalFrame(frame).data)).toString('utf8');
      await until(() => output().includes('labdeck-42'), 'the output');
      for (const frame of frames) {
        expect(frame[0]).toBe(TERMINAL_OUTPUT_FRAME);
        expect(decodeTerminalFrame(frame).id).toBe(id);
      }
      const seqs = frames.map((frame) => decodeTerminalFrame(frame).seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs.at(-1)).toBe(Buffer.byteLength(output()));
      expect(texts.filter((message) => message.type === 'event' && message.name === 'terminal.data')).toEqual([]);
      expect(seenByOther).toEqual([]);
    } finally {
      ws.send(JSON.stringify({ type: 'call', id: 3, name: 'terminal.close', input: { id } }));
      await until(() => texts.some((message) => message.id === 3), 'terminal.close');
      ws.close();
      other.ws.close();
    }
  });

  it('refuses binary messages from the page: it only ever sends JSON', async () => {
    const { ws } = await connect({ origin: origin() });
    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, String(reason)])));
    ws.send(Buffer.from([TERMINAL_OUTPUT_FRAME, 2, 0x74, 0x31]), { binary: true });
    expect(await closed).toEqual([1003, 'Labdeck expects JSON text messages']);
  });
});

