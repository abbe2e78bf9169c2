import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientMessageSchema, webSocketPath, type ServerMessage } from '../../common/api/wire.ts';
import { contentSecurityPolicy } from '../../common/csp.ts';
import type { Dispatcher } from '../backend/dispatcher.ts';
import type { EventHub } from '../backend/events.ts';
import { newAccessToken, readCookie, sessionCookie, sessionCookieName, tokensMatch } from './access-token.ts';
import { openStaticFile, resolveStaticFile } from './static-files.ts';

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
  /** Fixed token for tests; normally a fresh random one per launch. */
  token?: string;
}

export interface WebHost {
  /** The address to open: it carries the token once; the page then lives on a cookie. */
  url: string;
  port: number;
  token: string;
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
const maxMessageBytes = 8 * 1024 * 1024;
const loopback = '127.0.0.1';

/**
 * Serves the renderer and the API to a browser on this machine only. Three locks: it listens on 127.0.0.1,
 * every request must present the per-launch token (query once, then an HttpOnly SameSite cookie), and the
 * Host and Origin headers must name the loopback address, which defeats DNS rebinding and cross-site sockets.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? newAccessToken();
  const csp = contentSecurityPolicy();
  let port = 0;
  let nextClient = 0;

  const bindAddress = options.bindAddress ?? loopback;
  const anyAddress = bindAddress === '0.0.0.0' || bindAddress === '::';
  const hostName = bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
  // On a wildcard address the name people use is unknown, so any Host passes there; Origin must still
  // match the Host, and the token cookie is still required.
  const hostAllowed = (host: string | undefined) =>
    host !== undefined && (anyAddress ? host.endsWith(`:${port}`) : [`${hostName}:${port}`, `${loopback}:${port}`, `localhost:${port}`].includes(host));
  const originAllowed = (origin: string | undefined, host: string | undefined) => hostAllowed(host) && origin === `http://${host}`;
  const hasSession = (request: IncomingMessage) => tokensMatch(token, readCookie(request.headers.cookie, sessionCookieName));

  const server = createServer((request, response) => {
    void handleHttp(request, response).catch((error: unknown) => {
      console.error('[labdeck] web host request failed:', error);
      if (!response.headersSent) sendText(response, 500, 'Labdeck could not serve this file. See the terminal running `labdeck serve`.');
      else response.destroy();
    });
  });

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostAllowed(request.headers.host)) {
      sendText(response, 421, 'Labdeck only answers on its loopback address. Open the address printed by `labdeck serve`.');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendText(response, 405, 'Labdeck serves files with GET only.');
      return;
    }
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      if (!tokensMatch(token, offered)) {
        sendText(response, 401, 'This access token is not valid for the running Labdeck. Open the address printed by the latest `labdeck serve`.');
        return;
      }
      // Trade the token in the address for a cookie, so it does not linger in history or get copied along.
      url.searchParams.delete('token');
      response.writeHead(303, { location: `${url.pathname}${url.search}`, 'set-cookie': sessionCookie(token), 'cache-control': 'no-store' });
      response.end();
      return;
    }
    if (!hasSession(request)) {
      sendText(response, 401, 'Labdeck needs its access token. Open the full address printed by `labdeck serve` (it ends in ?token=…).');
      return;
    }
    const file = await resolveStaticFile(options.rendererDir, url.pathname);
    if (!file) {
      sendText(response, 404, `No such file in the Labdeck app: ${url.pathname}`);
      return;
    }
    response.writeHead(200, {
      ...securityHeaders(csp),
      'content-type': file.contentType,
      'content-length': String(file.size),
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    openStaticFile(file).pipe(response);
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  const clients = new Map<WebSocket, string>();

  server.on('upgrade', (request, socket, head) => {
    const refuse = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const pathname = new URL(request.url ?? '/', 'http://placeholder').pathname;
    if (pathname !== webSocketPath) return refuse(404, 'Not Found');
    if (!hostAllowed(request.headers.host)) return refuse(421, 'Misdirected Request');
    if (!originAllowed(request.headers.origin, request.headers.host)) return refuse(403, 'Forbidden');
    if (!hasSession(request)) return refuse(401, 'Unauthorized');
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });

  sockets.on('connection', (ws: WebSocket) => {
    const clientId = `ws-${++nextClient}`;
    clients.set(ws, clientId);
    ws.on('close', () => clients.delete(ws));
    send(ws, { type: 'hello', clientId });
    ws.on('message', (raw, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'Labdeck expects JSON text messages');
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(raw.toString());
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
      void options.dispatcher.dispatch(name, input, { clientId }).then((outcome) => send(ws, { type: 'result', id, outcome }));
    });
  });

  const unsubscribe = options.events.subscribe((name, payload, clientId) => {
    for (const [ws, id] of clients) {
      if (clientId === undefined || clientId === id) send(ws, { type: 'event', name, payload });
    }
  });

  function send(ws: WebSocket, message: ServerMessage): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      ws.close(1013, 'Renderer is not reading; reconnect');
      return;
    }
    ws.send(JSON.stringify(message));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${anyAddress ? loopback : hostName}:${port}/?token=${token}`,
    port,
    token,
    connections: () => clients.size,
    async close() {
      unsubscribe();
      for (const ws of clients.keys()) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

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
