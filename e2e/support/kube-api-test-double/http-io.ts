import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import { isPlainObject } from './object-content.ts';

/** A failure answered with the API server's Status body and this HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** Answers a failed request: an HttpError with its own status, anything else as a 500. */
export function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  if (error instanceof HttpError) sendJson(response, error.status, statusBody(error.status, error.reason, error.message));
  else sendJson(response, 500, statusBody(500, 'InternalError', error instanceof Error ? error.message : String(error)));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The request's body as an object, JSON or YAML by its content type; anything else is a 400. */
export async function readObjectBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(request);
  const contentType = request.headers['content-type'] ?? 'application/json';
  try {
    const parsed: unknown = contentType.includes('yaml') ? YAML.parse(text) : JSON.parse(text);
    if (!isPlainObject(parsed)) throw new Error('the body is not an object');
    return parsed;
  } catch (error) {
    throw new HttpError(400, 'BadRequest', `cannot parse the request body: ${(error as Error).message}`);
  }
}
