import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { repoRoot, sourceLocationBanner, sourceLocationPlugin, type BundleOptions } from './bundle.ts';

/**
 * Bundles the `labdeck` command: electron/cli/main.ts → dist/cli/labdeck.mjs, with code splitting so each
 * command's module (program.ts imports them dynamically) becomes a chunk loaded only when that command runs.
 * electron/cli/labdeck.js runs this bundle when it is newer than the sources, else the sources through tsx.
 *
 * Production dependencies stay external, as in the Electron main: native ones must not be bundled, and the
 * heavy ones (client-node) are imported only by the chunks that use them. The chunks sit two folders below
 * the app root like dist/electron/main.js, so the same source-location rewrite applies.
 */
export async function bundleCli(options: BundleOptions = {}): Promise<string> {
  const outDir = options.outDir ?? path.join(repoRoot, 'dist', 'cli');
  // Chunk names carry content hashes: clear the old ones so the folder holds exactly one build.
  await rm(outDir, { recursive: true, force: true });
  const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const external = [...new Set(['electron', 'node-pty', 'dockerode', 'ssh2', 'cpu-features', ...Object.keys(pkg.dependencies ?? {})])];
  await esbuild.build({
    entryPoints: { labdeck: path.join(repoRoot, 'electron/cli/main.ts') },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    // Chunks beside the entry: the source-location banner takes the app root as two folders up.
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: ['node20'],
    sourcemap: 'linked',
    minify: options.minify ?? false,
    logLevel: options.logLevel ?? 'warning',
    absWorkingDir: repoRoot,
    legalComments: 'none',
    external,
    banner: { js: sourceLocationBanner },
    plugins: [sourceLocationPlugin()],
  });
  return path.join(outDir, 'labdeck.mjs');
}
