import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { bundleElectron, repoRoot } from './bundle.ts';
import { ensureElectron } from './electron-binary.ts';
import { isUpToDate } from './freshness.ts';

/**
 * `npm start`: make sure the Electron binary is there first (downloading it once if needed, or saying in
 * a second why the window cannot open), then build what changed, then run Electron on
 * dist/electron/main.js. Arguments after `npm start --` go to the app (e.g. `--labs <dir> --bundle <dir>`).
 */

const at = (...parts: string[]) => path.join(repoRoot, ...parts);

/** The renderer build reads renderer/, the shared contract and CSP in electron/common, and its config. */
const rendererInputs = [at('renderer'), at('electron/common'), at('vite.config.ts'), at('package-lock.json')];
const rendererOutputs = [at('dist/renderer/index.html')];
/** The shell bundle reads all of electron/ (main, preload, backend) and package.json (externals). */
const shellInputs = [at('electron'), at('package.json'), at('package-lock.json')];
const shellOutputs = [at('dist/electron/main.js'), at('dist/electron/preload.cjs')];

async function main(): Promise<number> {
  const electron = await ensureElectron();
  if ('fallback' in electron) {
    console.error(electron.fallback);
    return 1;
  }

  if (isUpToDate(rendererOutputs, rendererInputs)) {
    console.error('Renderer build is up to date (dist/renderer).');
  } else {
    const vite = spawnSync(process.execPath, [at('node_modules/vite/bin/vite.js'), 'build'], { cwd: repoRoot, stdio: 'inherit' });
    if (vite.status !== 0) return vite.status ?? 1;
  }
  if (isUpToDate(shellOutputs, shellInputs)) {
    console.error('Electron shell build is up to date (dist/electron).');
  } else {
    await bundleElectron({ logLevel: 'info' });
  }

  const child = spawn(electron.path, [repoRoot, ...process.argv.slice(2)], { cwd: repoRoot, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

process.exitCode = await main();
