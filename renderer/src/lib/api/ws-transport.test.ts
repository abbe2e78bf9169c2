import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from '../workspace-api.ts';
import { encodeTerminalFrame } from '../../../../electron/common/api/terminal-frame.ts';
import { ApiClient } from './api-client.ts';
import { pageSocketUrl, webSocketTransport } from './ws-transport.ts';

/** Stands in for the browser's WebSocket: the test plays the server. */
class FakeSocket {
  sent: unknown[] = [];
  binaryType = 'blob';
  onmessage: ((message: { data: string | ArrayBuffer }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  serverSends(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  serverSendsBinary(bytes: Uint8Array) {
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
  }
  drop() {
    this.onclose?.();
  }
}

let sockets: FakeSocket[];
const latest = () => sockets[sockets.length - 1]!;

const launchCode = 'L'.repeat(65);
let secrets: string[];

function transport() {
  return webSocketTransport({
    url: 'ws://127.0.0.1:5000/api',
    credential: { kind: 'launch', code: launchCode },
    onTabSecret: (secret) => secrets.push(secret),
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
    retryDelaysMs: [100, 1000],
  });
}

beforeEach(() => {
  sockets = [];
  secrets = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('WebSocket transport', () => {
  it('presents the launch code once, then the secret the host gave this tab on every reconnect', async () => {
    transport();
    expect(latest().url).toBe('ws://127.0.0.1:5000/api');
    expect(latest().protocols).toEqual(['labdeck.v1', `labdeck.launch.${launchCode}`]);
    const secret = 'S'.repeat(43);
    latest().serverSends({ type: 'hello', clientId: 'ws-1', tabSecret: secret });
    expect(secrets).toEqual([secret]);
    latest().drop();
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets).toHaveLength(2);
    expect(latest().protocols).toEqual(['labdeck.v1', `labdeck.tab.${secret}`]);
  });

  it('holds calls until the backend says hello, then sends them in order', async () => {
    const t = transport();
    const first = t.send('labs.list', {});
    const second = t.send('progress.get', {});
    expect(latest().sent).toEqual([]);
    latest().serverSends({ type: 'hello', clientId: 'ws-1' });
    expect(latest().sent).toEqual([
      { type: 'call', id: 1, name: 'labs.list', input: {} },
      { type: 'call', id: 2, name: 'progress.get', input: {} },
    ]);
    latest().serverSends({ type: 'result', id: 2, outcome: { ok: true, value: 'b' } });
    latest().serverSends({ type: 'result', id: 1, outcome: { ok: true, value: 'a' } });
    expect(await first).toEqual({ ok: true, value: 'a' });
    expect(await second).toEqual({ ok: true, value: 'b' });
  });

  it('fails calls in flight when the connection drops, with what to do', async () => {
    const t = transport();
    latest().serverSends({ type: 'hello', clientId: 'ws-1' });
    const pending = t.send('labs.list', {});
    latest().drop();
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe('disconnected');
    expect(!outcome.ok && outcome.error.action).toContain('labdeck serve');
  });

  it('reconnects by itself and reports lost and open again', () => {
    const t = transport();
    const states: ConnectionState[] = [];
    t.onConnection((state) => states.push(state));
    latest().serverSends({ type: 'hello', clientId: 'ws-1' });
    latest().drop();
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    latest().serverSends({ type: 'hello', clientId: 'ws-2' });
    expect(states).toEqual(['connecting', 'open', 'lost', 'open']);
  });

  it('delivers pushed events and ignores messages outside the protocol', () => {
    const t = transport();
    const seen: Array<[string, unknown]> = [];
    t.onEvent((name, payload) => seen.push([name, payload]));
    latest().serverSends({ type: 'hello', clientId: 'ws-1' });
    latest().serverSends({ type: 'event', name: 'terminal.exit', payload: { id: 't1', exitCode: 0 } });
    latest().serverSends({ type: 'surprise', anything: true });
    expect(seen).toEqual([['terminal.exit', { id: 't1', exitCode: 0 }]]);
  });

  it('turns a binary terminal frame into the terminal.data event it stands for, bytes untouched', () => {
    const t = transport();
    const seen: Array<[string, unknown]> = [];
    t.onEvent((name, payload) => seen.push([name, payload]));
    latest().serverSends({ type: 'hello', clientId: 'ws-1' });
    // An ArrayBuffer is read at once; a Blob (the browser's default) would need an await per frame.
    expect(latest().binaryType).toBe('arraybuffer');
    const data = new Uint8Array([0x1b, 0x5b, 0x6d, 0xe2, 0x82]);
    latest().serverSendsBinary(encodeTerminalFrame({ id: 't3-ab', seq: 2 ** 40 + 5, data }));
    expect(seen).toEqual([['terminal.data', { id: 't3-ab', seq: 2 ** 40 + 5, data }]]);
  });

  it('hands terminal frames to the API client, which still checks them against the event schema', () => {
    const client = new ApiClient(transport());
    const outputs: Uint8Array[] = [];
    client.on('terminal.data', (event) => outputs.push(event.data));
    latest().serverSends({ type: 'hello', clientId: 'ws-1' });
    latest().serverSendsBinary(encodeTerminalFrame({ id: 't1', seq: 2, data: new TextEncoder().encode('hi') }));
    expect(outputs.map((bytes) => new TextDecoder().decode(bytes))).toEqual(['hi']);
  });

  it('drops a malformed binary frame with a warning that says what is wrong', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const t = transport();
      const seen: unknown[] = [];
      t.onEvent((name, payload) => seen.push([name, payload]));
      latest().serverSends({ type: 'hello', clientId: 'ws-1' });
      latest().serverSendsBinary(new Uint8Array([0x09, 0x02, 0x74, 0x31]));
      const frame = encodeTerminalFrame({ id: 't1', seq: 2, data: new Uint8Array([1]) });
      latest().serverSendsBinary(frame.subarray(0, frame.byteLength - 1));
      expect(seen).toEqual([]);
      expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([
        expect.stringMatching(/Malformed terminal frame: unknown frame type 0x09/),
        expect.stringMatching(/Malformed terminal frame: .*no output after/),
      ]);
      // The connection carries on: JSON events still arrive.
      latest().serverSends({ type: 'event', name: 'terminal.exit', payload: { id: 't1', exitCode: 0 } });
      expect(seen).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('connects to the /api socket on the origin the page came from', () => {
    expect(pageSocketUrl({ protocol: 'http:', host: '127.0.0.1:5000' } as Location)).toBe('ws://127.0.0.1:5000/api');
  });
});
