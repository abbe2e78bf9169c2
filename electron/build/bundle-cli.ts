import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { manifestWorkerDefine, manifestWorkerEntry, repoRoot, sourceLocationBanner, sourceLocationPlugin, type BundleOptions } from './bundle.ts';

/**
 * Bundles the `labdeck` command: electron/cli/main.ts → dist/cli/labdeck.mjs, with code splitting so each
 * command's module (program.ts imports them dynamically) becomes a chunk loaded only when that command runs.
 * electron/cli/labdeck.js runs this bundle when it is newer than the sources, else the sources through tsx.
 *
 * Pure-JavaScript dependencies (commander, yaml, zod, CEL, RE2) are bundled: resolving and reading hundreds of
 * package files was most of a short command's start-up. External stay the native ones (node-pty; ssh2 and
 * cpu-features under dockerode), client-node and ws (loaded only by the chunks of commands that talk to a
 * cluster or serve), and tsx (selftest registers it as a loader). The chunks sit two folders below the app
 * root like dist/electron/main.js, so the same source-location rewrite applies. The manifest worker thread
 * (`labdeck serve` validates manifests in it) is a second entry, dist/cli/manifest-worker.mjs, sharing chunks.
 */
export async function bundleCli(options: BundleOptions = {}): Promise<string> {
  const outDir = options.outDir ?? path.join(repoRoot, 'dist', 'cli');
  // Chunk names carry content hashes: clear the old ones so the folder holds exactly one build.
  await rm(outDir, { recursive: true, force: true });
  const external = ['electron', 'node-pty', 'dockerode', 'ssh2', 'cpu-features', '@kubernetes/client-node', 'kubernetes-models', 'tsx', 'ws'];
  await esbuild.build({
    entryPoints: { labdeck: path.join(repoRoot, 'electron/cli/main.ts'), 'manifest-worker': manifestWorkerEntry },
    define: manifestWorkerDefine(path.join(outDir, 'manifest-worker.mjs')),
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
    // Bundled CommonJS packages (commander, yaml's CJS build...) call require(); ESM has none of its own.
    banner: { js: `${sourceLocationBanner}\nimport { createRequire as __labdeckCreateRequire } from 'node:module';\nconst require = __labdeckCreateRequire(import.meta.url);` },
    plugins: [sourceLocationPlugin()],
  });
  return path.join(outDir, 'labdeck.mjs');
}
