import type { IncomingMessage, ServerResponse } from 'node:http';
import { discovery, openApiV3 } from './discovery.ts';
import { HttpError, sendError, sendJson, statusBody } from './http-io.ts';
import type { Store } from './object-store.ts';
import { parseResourcePath } from './resource-path.ts';
import { serveResource } from './resource-requests.ts';
import type { WatchStreams } from './watch-streams.ts';

/**
 * The double's HTTP requests: discovery and OpenAPI documents first, then resource paths; every request is
 * logged as "METHOD path?query", and every failure answered with a Status body.
 */
export function createRequestHandler(store: Store, watches: WatchStreams, requestLog: string[]): (request: IncomingMessage, response: ServerResponse) => void {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    requestLog.push(`${method} ${url.pathname}${url.search}`);
    const found = method === 'GET' ? discovery(url.pathname) : undefined;
    if (found) return sendJson(response, 200, found);
    if (method === 'GET' && url.pathname.startsWith('/openapi/v3')) {
      const document = openApiV3(url.pathname);
      if (document) return sendJson(response, 200, document);
    }
    if (url.pathname.startsWith('/openapi/')) return sendJson(response, 404, statusBody(404, 'NotFound', 'the test double serves no such OpenAPI document'));
    const target = parseResourcePath(url.pathname);
    if (!target) throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    return serveResource(store, watches, target, request, response, url);
  };
  return (request, response) => {
    handle(request, response).catch((error: unknown) => sendError(response, error));
  };
}
