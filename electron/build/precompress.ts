import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Plugin, ResolvedConfig } from 'vite';

/**
 * Writes `file.br` and `file.gz` next to every compressible renderer file after `vite build`, so the browser
 * host (electron/node/host/static-files.ts) sends the smaller one with Content-Encoding instead of
 * compressing on each request or not at all. Electron's window loads files from disk and ignores them.
 */

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Text-like files worth compressing; images and fonts other than ttf are compressed already. */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|ttf|txt|wasm)$/;
/** Below this a compressed copy saves less than the request costs. */
const MIN_BYTES = 1024;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)])));
  return nested.flat();
}

/** Compresses every eligible file under dir; returns how many files got copies. */
export async function precompressDir(dir: string): Promise<number> {
  const files = (await filesUnder(dir)).filter((file) => COMPRESSIBLE.test(file));
  let written = 0;
  // One at a time: the machines this builds on have two cores. Quality 11 for what loads at start; the
  // megabyte chunks (Monaco, its YAML worker) get quality 5, nearly as small and many times faster to write.
  for (const file of files) {
    if ((await stat(file)).size < MIN_BYTES) continue;
    const content = await readFile(file);
    const [br, gz] = await Promise.all([
      brotli(content, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: content.length > 1_000_000 ? 5 : 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length } }),
      gzip(content, { level: 9 }),
    ]);
    await Promise.all([writeFile(`${file}.br`, br), writeFile(`${file}.gz`, gz)]);
    written++;
  }
  return written;
}

export function precompressPlugin(): Plugin {
  let config: ResolvedConfig | undefined;
  return {
    name: 'labdeck-precompress',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      if (!config) return;
      await precompressDir(path.resolve(config.root, config.build.outDir));
    },
  };
}
