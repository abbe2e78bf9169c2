import { webSocketProtocols, type Credential } from '../../../../electron/common/api/access-token.ts';
import type { WireOutcome } from '../../../../electron/common/api/bridge.ts';
import { decodeTerminalFrame, TerminalFrameError, type TerminalOutputFrame } from '../../../../electron/common/api/terminal-frame.ts';
import { ServerMessageSchema, webSocketPath } from '../../../../electron/common/api/wire.ts';
import type { ConnectionState } from '../workspace-api.ts';
import type { Transport } from './transport.ts';

export interface WebSocketTransportOptions {
  url: string;
  /**
   * Presented on the handshake (never in a cookie or the URL): the address's one-time launch code the first
   * time, then the secret the host gave this tab for it, on every reconnect.
   */
  credential: Credential;
  /** The host gave this tab its secret: keep it for a reload of the tab. */
  onTabSecret?: (secret: string) => void;
  /** Injected so tests can drive a fake socket. */
  createSocket?: (url: string, protocols: string[]) => WebSocket;
  /** Reconnect delays grow from the first to the last value. */
  retryDelaysMs?: number[];
}

const lostOutcome: WireOutcome = {
  ok: false,
  error: {
    name: 'Disconnected',
    code: 'disconnected',
    message: 'The connection to the Labdeck backend was lost before it answered.',
    action: 'Labdeck reconnects by itself. If it does not, check that `labdeck serve` (or `npm run web`) is still running, then reload.',
  },
};

/**
 * The browser shell's transport: one WebSocket to the page's own origin, authenticated by a launch code or
 * tab secret offered as a subprotocol on the handshake (a browser WebSocket cannot set other headers). Calls made while the socket is down wait for it; calls in flight when it drops fail
 * with an error the UI can show, since the backend may or may not have run them.
 */
export function webSocketTransport(options: WebSocketTransportOptions): Transport {
  const createSocket = options.createSocket ?? ((url: string, protocols: string[]) => new WebSocket(url, protocols));
  const retryDelays = options.retryDelaysMs ?? [250, 500, 1000, 2000, 4000];
  const eventListeners = new Set<(name: string, payload: unknown) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  const inFlight = new Map<number, (outcome: WireOutcome) => void>();
  const waiting: Array<() => void> = [];
  let state: ConnectionState = 'connecting';
  let socket: WebSocket | null = null;
  let nextId = 1;
  let attempt = 0;
  let credential = options.credential;

  function setState(next: ConnectionState): void {
    if (next === state) return;
    state = next;
    for (const listener of connectionListeners) listener(next);
  }

  function connect(): void {
    const ws = createSocket(options.url, webSocketProtocols(credential));
    socket = ws;
    // Terminal output arrives as binary frames; an ArrayBuffer is read synchronously, a Blob would not be.
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') {
        receiveFrame(message.data);
        return;
      }
      const parsed = ServerMessageSchema.safeParse(parseJson(message.data));
      if (!parsed.success) return;
      const data = parsed.data;
      if (data.type === 'hello') {
        if (data.tabSecret) {
          credential = { kind: 'tab', secret: data.tabSecret };
          options.onTabSecret?.(data.tabSecret);
        }
        attempt = 0;
        setState('open');
        for (const send of waiting.splice(0)) send();
      } else if (data.type === 'result') {
        inFlight.get(data.id)?.(data.outcome as WireOutcome);
        inFlight.delete(data.id);
      } else {
        for (const listener of eventListeners) listener(data.name, data.payload);
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      for (const settle of inFlight.values()) settle(lostOutcome);
      inFlight.clear();
      setState('lost');
      const delay = retryDelays[Math.min(attempt, retryDelays.length - 1)] ?? 1000;
      attempt += 1;
      setTimeout(connect, delay);
    };
  }

  /** A terminal output frame becomes the `terminal.data` event it stands for; the API client checks it. */
  function receiveFrame(data: unknown): void {
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : Object.prototype.toString.call(data) === '[object ArrayBuffer]'
        ? new Uint8Array(data as ArrayBuffer)
        : null;
    let frame: TerminalOutputFrame;
    try {
      if (!bytes) throw new TerminalFrameError('a binary message that is neither an ArrayBuffer nor a byte view');
      frame = decodeTerminalFrame(bytes);
    } catch (error) {
      // Only a backend from another Labdeck version sends these; the output is lost either way.
      console.warn(`Labdeck: dropped a binary message: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    for (const listener of eventListeners) listener('terminal.data', frame);
  }

  connect();

  return {
    send(name, input) {
      return new Promise<WireOutcome>((resolve) => {
        const transmit = () => {
          if (!socket || state !== 'open') {
            waiting.push(transmit);
            return;
          }
          const id = nextId++;
          inFlight.set(id, resolve);
          socket.send(JSON.stringify({ type: 'call', id, name, input }));
        };
        transmit();
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(state);
      return () => connectionListeners.delete(listener);
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The API socket on the origin the page was served from. */
export function pageSocketUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${webSocketPath}`;
}
