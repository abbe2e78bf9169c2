import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { contentTypeFor, rendererFileFor } from '../renderer-files.ts';

export interface StaticFile {
  file: string;
  size: number;
  contentType: string;
  /** Vite's hashed assets never change under the same name; everything else is revalidated. */
  immutable: boolean;
  /** Set when `file` is the build's pre-compressed copy (electron/build/precompress.ts): send Content-Encoding. */
  encoding?: 'br' | 'gzip';
}

/** Whether an Accept-Encoding header allows the coding (q=0 refuses it; `*` stands for any). */
export function acceptsEncoding(header: string | undefined, coding: 'br' | 'gzip'): boolean {
  if (!header) return false;
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    weights.set(name, q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  // The coding's own entry wins over `*`.
  return (weights.get(coding) ?? weights.get('*') ?? 0) > 0;
}

/** The renderer file a request path names, with what to send about it, or null. */
export async function resolveStaticFile(root: string, requestPath: string, acceptEncoding?: string): Promise<StaticFile | null> {
  const file = rendererFileFor(root, requestPath);
  if (file === null) return null;
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return null;
  const plain: StaticFile = {
    file,
    size: info.size,
    contentType: contentTypeFor(file),
    immutable: path.relative(path.resolve(root), file).startsWith(`assets${path.sep}`),
  };
  // The compressed copy sits next to the file the path resolved to, so it is inside the root as well.
  for (const [coding, suffix] of [['br', '.br'], ['gzip', '.gz']] as const) {
    if (!acceptsEncoding(acceptEncoding, coding)) continue;
    const compressed = await stat(file + suffix).catch(() => null);
    if (compressed?.isFile()) return { ...plain, file: file + suffix, size: compressed.size, encoding: coding };
  }
  return plain;
}

export function openStaticFile(file: StaticFile): NodeJS.ReadableStream {
  return createReadStream(file.file);
}
