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
}

/** The renderer file a request path names, with what to send about it, or null. */
export async function resolveStaticFile(root: string, requestPath: string): Promise<StaticFile | null> {
  const file = rendererFileFor(root, requestPath);
  if (file === null) return null;
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return null;
  return {
    file,
    size: info.size,
    contentType: contentTypeFor(file),
    immutable: path.relative(path.resolve(root), file).startsWith(`assets${path.sep}`),
  };
}

export function openStaticFile(file: StaticFile): NodeJS.ReadableStream {
  return createReadStream(file.file);
}
