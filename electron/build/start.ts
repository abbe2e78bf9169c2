import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bundleElectron, repoRoot } from './bundle.ts';

/**
 * `npm start`: build the renderer and the shell, then run Electron on dist/electron/main.js. Where the
 * Electron binary is not installed (it cannot be downloaded on some machines), say so and point at the
 * browser shell, which serves the same app.
 */

/** The Electron executable from the `electron` package, or why there is none. */
export function findElectronBinary(): { path: string } | { missing: string } {
  let binary: unknown;
  try {
    binary = createRequire(import.meta.url)('electron');
  } catch (error) {
    return { missing: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
  if (typeof binary !== 'string') return { missing: 'the electron package did not export an executable path' };
  if (!existsSync(binary)) return { missing: `${binary} does not exist` };
  return { path: binary };
}

async function main(): Promise<number> {
  const electron = findElectronBinary();
  const vite = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (vite.status !== 0) return vite.status ?? 1;
  await bundleElectron({ logLevel: 'info' });

  if ('missing' in electron) {
    console.error(
      [
        '',
        'Electron could not be found, so the desktop window cannot open.',
        `  (${electron.missing})`,
        'Reinstall it with `npm install` on a machine that can download the Electron binary, or run',
        '  npm run web',
        'which serves the same Labdeck app to your browser on this computer (loopback only).',
        '',
      ].join('\n'),
    );
    return 1;
  }

  const child = spawn(electron.path, [repoRoot, ...process.argv.slice(2)], { cwd: repoRoot, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

process.exitCode = await main();
