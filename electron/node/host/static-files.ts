import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export interface StaticFile {
  file: string;
  size: number;
  contentType: string;
  /** Vite's hashed assets never change under the same name; everything else is revalidated. */
  immutable: boolean;
}

/**
 * Maps a request path to a file inside the renderer build, or null. Decoding happens before the
 * containment check so `%2e%2e/` cannot climb out of the folder.
 */
export async function resolveStaticFile(root: string, requestPath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const absoluteRoot = path.resolve(root);
  const file = path.resolve(absoluteRoot, relative);
  if (file !== absoluteRoot && !file.startsWith(absoluteRoot + path.sep)) return null;
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return null;
  return {
    file,
    size: info.size,
    contentType: contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    immutable: relative.startsWith('assets/'),
  };
}

export function openStaticFile(file: StaticFile): NodeJS.ReadableStream {
  return createReadStream(file.file);
}
