import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
// bundle-cli.ts imports the source-location helpers below; a static cycle is safe (both only use the other's
// bindings inside functions), a dynamic import from the top-level await below would deadlock.
import { bundleCli } from './bundle-cli.ts';

/**
 * Bundles the Electron shell:
 *   electron/electron-main/main.ts → dist/electron/main.js     (ESM, Node; runtime dependencies stay external)
 *   electron/preload/preload.ts    → dist/electron/preload.cjs (CommonJS, the only form a sandboxed preload can be)
 *   electron/node/workers/manifest-worker.ts → dist/electron/manifest-worker.js (the manifest worker thread's
 *     entry: a worker loads a file of its own, so it cannot live inside main.js)
 *
 * Every production dependency is external: electron-builder ships them in node_modules, native ones
 * (node-pty; ssh2/cpu-features under dockerode) must not be bundled, and main.js then imports them exactly
 * as `tsx` does in development. The preload may require nothing but `electron`.
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Packages with native parts or load-time file lookups; external even if they become transitive-only. */
const alwaysExternal = ['electron', 'node-pty', 'dockerode', 'ssh2', 'cpu-features'];

export interface BundleOptions {
  outDir?: string;
  /** Minify for packaging; off by default so stack traces stay readable. */
  minify?: boolean;
  logLevel?: esbuild.LogLevel;
}

export interface BundleResult {
  main: string;
  preload: string;
  manifestWorker: string;
}

export const manifestWorkerEntry = path.join(repoRoot, 'electron/node/workers/manifest-worker.ts');

/**
 * Tells the bundled manifest checker where its worker's bundle is, relative to the app root (the folder two
 * above the bundle: the repository, or app.asar); the sources, unbundled, start the TypeScript entry instead.
 */
export function manifestWorkerDefine(workerFile: string): Record<string, string> {
  return { LABDECK_MANIFEST_WORKER: JSON.stringify(path.relative(path.resolve(path.dirname(workerFile), '../..'), workerFile).split(path.sep).join('/')) };
}

export async function bundleElectron(options: BundleOptions = {}): Promise<BundleResult> {
  const outDir = options.outDir ?? path.join(repoRoot, 'dist', 'electron');
  const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const external = [...new Set([...alwaysExternal, ...Object.keys(pkg.dependencies ?? {})])];
  const common = {
    bundle: true,
    sourcemap: 'linked',
    minify: options.minify ?? false,
    logLevel: options.logLevel ?? 'warning',
    absWorkingDir: repoRoot,
    legalComments: 'none',
  } satisfies esbuild.BuildOptions;

  const main = path.join(outDir, 'main.js');
  const preload = path.join(outDir, 'preload.cjs');
  const manifestWorker = path.join(outDir, 'manifest-worker.js');
  const backend = {
    ...common,
    platform: 'node',
    format: 'esm',
    target: ['node20'],
    external,
    banner: { js: sourceLocationBanner },
    plugins: [sourceLocationPlugin()],
  } satisfies esbuild.BuildOptions;
  await Promise.all([
    esbuild.build({ ...backend, entryPoints: [path.join(repoRoot, 'electron/electron-main/main.ts')], outfile: main, define: manifestWorkerDefine(manifestWorker) }),
    esbuild.build({ ...backend, entryPoints: [manifestWorkerEntry], outfile: manifestWorker }),
    esbuild.build({
      ...common,
      entryPoints: [path.join(repoRoot, 'electron/preload/preload.ts')],
      outfile: preload,
      platform: 'node',
      format: 'cjs',
      target: ['node20', 'chrome120'],
      external: ['electron'],
      plugins: [contractNamesPlugin(await contractNamesModule())],
    }),
  ]);
  return { main, preload, manifestWorker };
}

/** The literal replacement for electron/preload/contract-names.ts, generated from the real contract. */
export async function contractNamesModule(): Promise<string> {
  const { callNames, eventNames } = await import('../common/api/contract.ts');
  return [
    `const calls = new Set(${JSON.stringify(callNames)});`,
    `const events = new Set(${JSON.stringify(eventNames)});`,
    "export function isCallName(name) { return typeof name === 'string' && calls.has(name); }",
    "export function isEventName(name) { return typeof name === 'string' && events.has(name); }",
  ].join('\n');
}

function contractNamesPlugin(contents: string): esbuild.Plugin {
  const target = path.join(repoRoot, 'electron', 'preload', 'contract-names.ts');
  return {
    name: 'labdeck-contract-names',
    setup(build) {
      build.onLoad({ filter: /contract-names\.ts$/ }, (args) => (path.resolve(args.path) === target ? { contents, loader: 'js' } : undefined));
    },
  };
}

/**
 * Backend modules find files relative to their own source location (`new URL('../../../package.json',
 * import.meta.url)`, `path.resolve(import.meta.dirname, '../../../resources/jumphost')`). Bundled, they
 * would all share main.js's location, so each module's `import.meta.{url,dirname,filename}` is replaced
 * with where that source file sits relative to the app root (the folder holding dist/: the repo, or app.asar).
 */
export const sourceLocationBanner = [
  "import { fileURLToPath as __labdeckFileURLToPath, pathToFileURL as __labdeckPathToFileURL } from 'node:url';",
  "import __labdeckPath from 'node:path';",
  "const __labdeckAppRoot = __labdeckPath.resolve(__labdeckPath.dirname(__labdeckFileURLToPath(import.meta.url)), '../..');",
  'const __labdeckSourcePath = (relative) => __labdeckPath.join(__labdeckAppRoot, relative);',
  'const __labdeckSourceUrl = (relative) => __labdeckPathToFileURL(__labdeckSourcePath(relative)).href;',
].join('\n');

export function sourceLocationPlugin(): esbuild.Plugin {
  return {
    name: 'labdeck-source-location',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.')) return { contents: source, loader: 'ts' };
        const relativeFile = path.relative(repoRoot, args.path).split(path.sep).join('/');
        const relativeDir = path.posix.dirname(relativeFile);
        const contents = source.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_match, property: string) => {
          if (property === 'url') return `__labdeckSourceUrl(${JSON.stringify(relativeFile)})`;
          if (property === 'dirname') return `__labdeckSourcePath(${JSON.stringify(relativeDir)})`;
          return `__labdeckSourcePath(${JSON.stringify(relativeFile)})`;
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const [result, cli] = await Promise.all([bundleElectron({ logLevel: 'info' }), bundleCli({ logLevel: 'info' })]);
  console.log(`Electron shell and CLI bundled in ${Date.now() - started} ms:\n  ${[result.main, result.preload, result.manifestWorker, cli].map((file) => path.relative(repoRoot, file)).join('\n  ')}`);
}
