import { spawn } from 'node:child_process';
import path from 'node:path';
import { bundleElectron, repoRoot } from './bundle.ts';
import { ensureElectron } from './electron-binary.ts';
import { isUpToDate } from './freshness.ts';
import { ensureRendererBuilt } from './renderer-build.ts';

/**
 * `npm start`: make sure the Electron binary is there first (downloading it once if needed, or saying in
 * a second why the window cannot open), then build what changed, then run Electron on
 * dist/electron/main.js. Arguments after `npm start --` go to the app (e.g. `--labs <dir> --bundle <dir>`).
 */

const at = (...parts: string[]) => path.join(repoRoot, ...parts);

/** The shell bundle reads all of electron/ (main, preload, backend) and package.json (externals). */
const shellInputs = [at('electron'), at('package.json'), at('package-lock.json')];
const shellOutputs = [at('dist/electron/main.js'), at('dist/electron/preload.cjs')];

async function main(): Promise<number> {
  const electron = await ensureElectron();
  if ('fallback' in electron) {
    console.error(electron.fallback);
    return 1;
  }

  const built = ensureRendererBuilt(repoRoot);
  if (built !== 0) return built;
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
