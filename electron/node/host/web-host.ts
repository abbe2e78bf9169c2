import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { credentialFromProtocols, launchFragmentKey, oldTokenKey, webSocketProtocol } from '../../common/api/access-token.ts';
import type { EventPayload } from '../../common/api/contract.ts';
import { encodeTerminalFrame } from '../../common/api/terminal-frame.ts';
import { ClientMessageSchema, webSocketPath, type ServerMessage } from '../../common/api/wire.ts';
import { contentSecurityPolicy } from '../../common/csp.ts';
import type { Dispatcher } from '../backend/dispatcher.ts';
import type { EventHub } from '../backend/events.ts';
import { offeredProtocols } from './access-token.ts';
import { FairQueue } from './fair-queue.ts';
import { openStaticFile, resolveStaticFile } from './static-files.ts';
import { TabSessions, type Admission } from './tab-sessions.ts';

export interface WebHostOptions {
  dispatcher: Dispatcher;
  events: EventHub;
  /** The renderer build (dist/renderer). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * Listen address. Loopback by default; anything else exposes the app (token-protected) to the network
   * and is only reachable through `labdeck serve --host`, which warns.
   */
  bindAddress?: string;
  /** The key launch codes are minted with (tab-sessions.ts); normally a fresh random one per host. */
  launchKey?: Buffer;
  /** How long a tab may be away before its secret dies and its terminals end (default TAB_GRACE_MS). */
  tabGraceMs?: number;
  /** A launch code was just used to open a tab: `labdeck serve` prints a fresh address for the next one. */
  onLaunched?: () => void;
  /** Where failures of single connections are reported; they never stop the host. */
  log?: (message: string) => void;
}

export interface WebHost {
  /**
   * The address to open: a one-time launch code rides in the fragment, which browsers never send to a
   * server. It opens one tab; `launchUrl()` mints another.
   */
  url: string;
  launchUrl(): string;
  port: number;
  /** Tabs whose secret still opens the API (connected, or away for less than the grace period). */
  tabs(): number;
  /** How many renderers are connected right now. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A renderer whose socket holds more unsent bytes than this is not reading; it is dropped and reconnects,
 * and its terminals replay their scrollback on attach. Terminal output is already paced by acks, so only a
 * stalled page gets here.
 */
const maxBufferedBytes = 32 * 1024 * 1024;
/**
 * The largest call (a 1 MB manifest) plus JSON escaping. Each call's input has its own, usually much
 * smaller, bound in the contract (electron/common/api/limits.ts); this one caps what ws buffers at all.
 */
const maxMessageBytes = 4 * 1024 * 1024;
/**
 * How deeply a message's arrays and objects may nest. A call's input is a few levels deep; a frame of
 * "[[[[…" is checked byte by byte before JSON.parse builds it (a nested frame used to cost ~50x its size in
 * memory before the schema saw it, issue 21).
 */
const maxMessageDepth = 64;
/** Calls one renderer may have waiting to start; beyond that it is answered "busy" at once. */
const maxPendingCallsPerClient = 32;
const loopback = '127.0.0.1';

/**
 * Serves the renderer and the API to a browser on this machine only. The static files carry no secret and
 * need no credential. The API does: the WebSocket handshake must present a one-time launch code or the
 * secret a tab got for one (as a subprotocol, never a cookie, because cookies are shared by every port on
 * 127.0.0.1: tab-sessions.ts), and the Host and Origin headers must name the loopback address, which
 * defeats DNS rebinding and cross-site sockets. No error on a single request or socket can stop the host.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const csp = contentSecurityPolicy();
  const log = options.log ?? ((message: string) => console.error(`[labdeck] ${message}`));
  let port = 0;
  let nextClient = 0;

  const bindAddress = options.bindAddress ?? loopback;
  const anyAddress = bindAddress === '0.0.0.0' || bindAddress === '::';
  const hostName = bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
  // On a wildcard address the name people use is unknown, so any Host passes there; Origin must still
  // match the Host, and the token is still required.
  const hostAllowed = (host: string | undefined) =>
    host !== undefined && (anyAddress ? host.endsWith(`:${port}`) : [`${hostName}:${port}`, `${loopback}:${port}`, `localhost:${port}`].includes(host));
  const originAllowed = (origin: string | undefined, host: string | undefined) => hostAllowed(host) && origin === `http://${host}`;
  const tabs = new TabSessions({
    ...(options.launchKey ? { launchKey: options.launchKey } : {}),
    ...(options.tabGraceMs !== undefined ? { graceMs: options.tabGraceMs } : {}),
    // A tab gone for good: its shells end instead of running on for nobody (issue 21 item 5).
    onGone: (clientIds) => options.dispatcher.clientsGone(clientIds),
  });
  const admit = (request: IncomingMessage) => tabs.admit(credentialFromProtocols(offeredProtocols(request.headers['sec-websocket-protocol'])));

  const server = createServer((request, response) => {
    // A client that resets mid-request or mid-response must not take the host down with it.
    request.on('error', () => response.destroy());
    response.on('error', () => request.destroy());
    void handleHttp(request, response).catch((error: unknown) => {
      log(`web host request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) sendText(response, 500, 'Labdeck could not serve this file. See the terminal running `labdeck serve`.');
      else response.destroy();
    });
  });
  // Malformed requests and resets before a request is complete: answer 400 if the socket still can, never throw.
  server.on('clientError', (_error, socket: Duplex) => {
    socket.on('error', () => undefined);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
    else socket.destroy();
  });
  server.on('error', (error) => log(`web host error: ${error.message}`));

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostAllowed(request.headers.host)) {
      sendText(response, 421, 'Labdeck only answers on its loopback address. Open the address printed by `labdeck serve`.');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendText(response, 405, 'Labdeck serves files with GET only.');
      return;
    }
    // Parsed against a fixed base: the request path is only ever a path here, and Labdeck never redirects,
    // so `//evil.example/` cannot become an off-site Location.
    const target = request.url ?? '/';
    if (!target.startsWith('/')) {
      sendText(response, 400, 'Labdeck only serves paths on its own address.');
      return;
    }
    const url = new URL(`http://labdeck.invalid${target}`);
    if (url.searchParams.has(oldTokenKey) || url.searchParams.has(launchFragmentKey)) {
      // A code in the query reaches logs as well as history. Refuse it with the way forward.
      sendText(response, 400, `Labdeck takes its launch code after "#", not "?". Open the address exactly as the latest \`labdeck serve\` printed it (it ends in #${launchFragmentKey}=…).`);
      return;
    }
    const file = await resolveStaticFile(options.rendererDir, url.pathname, request.headers['accept-encoding']);
    if (!file) {
      sendText(response, 404, `No such file in the Labdeck app: ${url.pathname}`);
      return;
    }
    response.writeHead(200, {
      ...securityHeaders(csp),
      'content-type': file.contentType,
      'content-length': String(file.size),
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'accept-encoding',
      ...(file.encoding ? { 'content-encoding': file.encoding } : {}),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    // pipeline, not pipe: when the browser aborts the download, the file stream is destroyed and its
    // descriptor closed; pipe() would leave it open for good.
    pipeline(openStaticFile(file), response, () => undefined);
  }

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: maxMessageBytes,
    // Answer with the plain protocol name; the token subprotocol is never echoed back.
    handleProtocols: (protocols) => (protocols.has(webSocketProtocol) ? webSocketProtocol : false),
  });
  const clients = new Map<WebSocket, string>();
  const queue = new FairQueue({ maxPendingPerClient: maxPendingCallsPerClient });

  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    // The HTTP server removes its own error listener from upgraded sockets: without this one, a client
    // that resets after a refusal crashes the process with ECONNRESET.
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, reason: string) => {
      // Closed at once, not only half-closed: a client that keeps its end open must not keep our descriptor
      // (1,010 held refusals used to exhaust a 1,024-fd limit). A client that does not read gets 2 s.
      socket.setTimeout(2000, () => socket.destroy());
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
    };
    const pathname = new URL(request.url ?? '/', 'http://labdeck.invalid').pathname;
    if (pathname !== webSocketPath) return refuse(404, 'Not Found');
    if (!hostAllowed(request.headers.host)) return refuse(421, 'Misdirected Request');
    if (!originAllowed(request.headers.origin, request.headers.host)) return refuse(403, 'Forbidden');
    // Last, so a launch code is only spent on a handshake that passed every other check.
    const admission = admit(request);
    if (!admission) return refuse(401, 'Unauthorized');
    if (admission.secret) options.onLaunched?.();
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request, admission));
  });
  sockets.on('error', (error) => log(`WebSocket server error: ${error.message}`));

  sockets.on('connection', (ws: WebSocket, _request: IncomingMessage, admission: Admission) => {
    const clientId = `ws-${++nextClient}`;
    clients.set(ws, clientId);
    tabs.connected(admission.tab, clientId);
    // ws reports oversize frames, bad UTF-8 and resets here and then closes the socket itself.
    ws.on('error', (error) => log(`renderer ${clientId} connection failed: ${error.message}`));
    ws.on('close', () => {
      clients.delete(ws);
      queue.drop(clientId);
      tabs.disconnected(admission.tab, clientId);
    });
    send(ws, { type: 'hello', clientId, ...(admission.secret ? { tabSecret: admission.secret } : {}) });
    ws.on('message', (raw, isBinary) => {
      if (isBinary) {
        // Binary frames only go to the page (terminal output); what the page sends is always JSON.
        ws.close(1003, 'Labdeck expects JSON text messages');
        return;
      }
      const text = raw.toString();
      if (jsonNestsDeeperThan(text, maxMessageDepth)) {
        ws.close(1008, 'Message is nested too deeply');
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        ws.close(1007, 'Message is not JSON');
        return;
      }
      const parsed = ClientMessageSchema.safeParse(message);
      if (!parsed.success) {
        ws.close(1008, 'Message does not follow the Labdeck protocol');
        return;
      }
      const { id, name, input } = parsed.data;
      const queued = queue.enqueue(clientId, () => {
        void options.dispatcher
          .dispatch(name, input, { clientId })
          .then((outcome) => send(ws, { type: 'result', id, outcome }))
          .catch((error: unknown) => log(`call ${name} could not be answered: ${String(error)}`));
      });
      if (!queued) send(ws, { type: 'result', id, outcome: { ok: false, error: busyError } });
    });
  });

  const unsubscribe = options.events.subscribe((name, payload, clientId) => {
    // Terminal output is most of the traffic: it goes as a binary frame (terminal-frame.ts), built once
    // for all its receivers, instead of base64 inside JSON.
    let frame: Uint8Array | undefined;
    for (const [ws, id] of clients) {
      if (clientId !== undefined && clientId !== id) continue;
      if (name === 'terminal.data') {
        try {
          frame ??= encodeTerminalFrame(payload as EventPayload<'terminal.data'>);
        } catch (error) {
          // This runs inside the terminal service's emit: a bad chunk is reported, never thrown back at the shell.
          log(`terminal output not sent: ${error instanceof Error ? error.message : String(error)}`);
          return;
        }
        send(ws, frame);
      } else {
        send(ws, { type: 'event', name, payload });
      }
    }
  });

  function send(ws: WebSocket, message: ServerMessage | Uint8Array): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      ws.close(1013, 'Renderer is not reading; reconnect');
      return;
    }
    // A failed write closes the socket; the renderer reconnects. Nothing to rethrow here.
    if (message instanceof Uint8Array) ws.send(message, { binary: true }, () => undefined);
    else ws.send(JSON.stringify(message), () => undefined);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  const launchUrl = () => `http://${anyAddress ? loopback : hostName}:${port}/#${launchFragmentKey}=${tabs.mintLaunchCode()}`;
  return {
    url: launchUrl(),
    launchUrl,
    port,
    tabs: () => tabs.count(),
    connections: () => clients.size,
    async close() {
      unsubscribe();
      tabs.dispose();
      for (const ws of clients.keys()) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const busyError = {
  name: 'Busy',
  code: 'busy',
  message: `This window has more than ${maxPendingCallsPerClient} calls waiting for the Labdeck backend.`,
  action: 'Wait for the running operations to finish, then try again.',
};

function securityHeaders(csp: string): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-frame-options': 'DENY',
  };
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.end(`${text}\n`);
}

/**
 * True when JSON text opens more than `limit` arrays or objects inside each other, found in one pass without
 * building anything (brackets inside strings do not count). Malformed text is left to JSON.parse.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}
