import { contentTypeFor, rendererFileFor } from '../node/renderer-files.ts';

/**
 * The renderer is loaded from `labdeck://app/`, a privileged standard scheme served by the main process
 * from dist/renderer only. A real origin (unlike file://) lets CSP 'self', module workers and origin checks
 * on IPC senders work the same way they do on the web host.
 */
export const APP_SCHEME = 'labdeck';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Privileges for protocol.registerSchemesAsPrivileged; must be registered before the app is ready. */
export const appSchemePrivileges = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const;

/** True only for URLs of the app itself: labdeck://app/… with no credentials or port. */
export function isAppUrl(raw: unknown): boolean {
  if (typeof raw !== 'string') return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === `${APP_SCHEME}:` && url.hostname === APP_HOST && url.port === '' && url.username === '' && url.password === '';
}

/** Maps a request URL to a file of the renderer build, or null when the URL is not the app's or would leave `root`. */
export function resolveAppFile(root: string, requestUrl: string): string | null {
  if (!isAppUrl(requestUrl)) return null;
  return rendererFileFor(root, new URL(requestUrl).pathname);
}

export interface AppProtocolOptions {
  /** dist/renderer (inside app.asar when packaged). */
  root: string;
  /** Sent on every response, so it covers the document and its workers. */
  contentSecurityPolicy: string;
  readFile: (file: string) => Promise<Uint8Array>;
}

/** The handler given to protocol.handle(APP_SCHEME, …); uses only the web Request/Response globals. */
export function createAppProtocolHandler(options: AppProtocolOptions): (request: Request) => Promise<Response> {
  const headersFor = (extra: Record<string, string>): Headers =>
    new Headers({
      'Content-Security-Policy': options.contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
      ...extra,
    });
  const plain = (status: number, text: string): Response =>
    new Response(text, { status, headers: headersFor({ 'Content-Type': 'text/plain; charset=utf-8' }) });

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
    const file = resolveAppFile(options.root, request.url);
    if (file === null) return plain(404, 'Not found');
    let body: Uint8Array;
    try {
      body = await options.readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return plain(404, 'Not found');
      return plain(500, 'Could not read the file');
    }
    const headers = headersFor({ 'Content-Type': contentTypeFor(file), 'Content-Length': String(body.byteLength) });
    return new Response(request.method === 'HEAD' ? null : new Blob([body as Uint8Array<ArrayBuffer>]), { status: 200, headers });
  };
}
