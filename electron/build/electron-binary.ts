import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './bundle.ts';

/**
 * The Electron binary for `npm start`. package.json denies the electron package's install script
 * (allowScripts), so `npm ci` never downloads the ~100 MB binary and stays green offline. `npm start`
 * therefore runs that same installer itself, once, when the binary is missing, and only when that fails
 * points the attendee at the browser shell with the reason.
 */

export type ElectronLookup = { path: string } | { missing: string };

export interface EnsureElectronOptions {
  /** Folder of the installed `electron` npm package. */
  packageDir?: string;
  /** Environment for the installer (ELECTRON_MIRROR, electron_config_cache, proxies …). */
  env?: NodeJS.ProcessEnv;
  /**
   * Where the installer's own output (its progress bar, its error) goes: the terminal by default; 'capture'
   * keeps it for `installerText` (tests).
   */
  installerOutput?: 'inherit' | 'ignore' | 'capture';
  /** Receives the installer's output in 'capture' mode. */
  installerText?: (text: string) => void;
  /** Status lines for the attendee. */
  log?: (line: string) => void;
  /** Looks the binary up; replaced in tests to simulate a machine without it. */
  find?: (packageDir: string) => ElectronLookup;
}

export type EnsureElectronResult = { path: string; downloaded: boolean } | { fallback: string };

const defaultPackageDir = path.join(repoRoot, 'node_modules', 'electron');

/**
 * The executable the electron package points at, read the way its index.js does (dist/ + path.txt) but
 * without require(), whose module cache would keep answering "missing" after the installer has run.
 */
export function findElectronBinary(packageDir: string = defaultPackageDir): ElectronLookup {
  if (!existsSync(path.join(packageDir, 'package.json'))) return { missing: `the electron package is not installed (${packageDir})` };
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const override = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return existsSync(override) ? { path: override } : { missing: `${override} does not exist (ELECTRON_OVERRIDE_DIST_PATH)` };
  }
  let relative: string;
  try {
    relative = readFileSync(path.join(packageDir, 'path.txt'), 'utf8').trim();
  } catch {
    return { missing: 'the Electron binary has not been downloaded yet' };
  }
  const binary = path.join(packageDir, 'dist', relative);
  return existsSync(binary) ? { path: binary } : { missing: `${binary} does not exist` };
}

/** The binary, downloading it once with the electron package's own installer if needed. */
export async function ensureElectron(options: EnsureElectronOptions = {}): Promise<EnsureElectronResult> {
  const packageDir = options.packageDir ?? defaultPackageDir;
  const env = options.env ?? process.env;
  const find = options.find ?? findElectronBinary;
  const log = options.log ?? ((line: string) => console.error(line));

  const before = find(packageDir);
  if ('path' in before) return { path: before.path, downloaded: false };

  const installer = path.join(packageDir, 'install.js');
  if (!existsSync(installer)) return { fallback: fallbackMessage(before.missing) };
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    return { fallback: fallbackMessage(`${before.missing}, and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it is not downloaded`) };
  }

  const version = packageVersion(packageDir);
  const source = downloadSource(env);
  log(`Electron ${version} is not on this machine yet; downloading it once (about 100 MB) from ${source} …`);
  const exit = await runInstaller(installer, env, options.installerOutput ?? 'inherit', options.installerText);
  if (exit !== 0) {
    return {
      fallback: fallbackMessage(
        `the one-time download of Electron ${version} from ${source} failed (installer exit ${exit}; its message is above). ` +
          'Offline, or behind a proxy? Set HTTPS_PROXY, or ELECTRON_MIRROR to a reachable mirror, and run `npm start` again',
      ),
    };
  }
  const after = find(packageDir);
  if ('missing' in after) return { fallback: fallbackMessage(`the Electron installer finished but ${after.missing}`) };
  log(`Electron ${version} is installed.`);
  return { path: after.path, downloaded: true };
}

/** What the attendee reads when there is no window: why, and the browser shell as the way on. */
export function fallbackMessage(reason: string): string {
  return [
    '',
    'Labdeck cannot open its desktop window: Electron is missing.',
    `  Why: ${reason}.`,
    'The same app runs in your browser instead:',
    '  npm run web',
    'and open the printed http://127.0.0.1:… address in Chrome, Chromium, Edge or Firefox (it stays on this computer).',
    '',
  ].join('\n');
}

function packageVersion(packageDir: string): string {
  try {
    return `v${(JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version?: string }).version ?? '?'}`;
  } catch {
    return '(unknown version)';
  }
}

/** The host @electron/get downloads from, as it chooses it (mirror settings first, then GitHub). */
function downloadSource(env: NodeJS.ProcessEnv): string {
  return env.ELECTRON_MIRROR ?? env.npm_config_electron_mirror ?? env.NPM_CONFIG_ELECTRON_MIRROR ?? 'github.com/electron/electron/releases';
}

/**
 * Loaded into the installer before it runs: the installer prints a failed download as `console.error(err.stack)`,
 * a stack trace of got's internals ahead of our own message. Only its first line (what failed) is kept.
 */
const SHORT_ERRORS = [
  'const print = console.error;',
  'console.error = (...args) => {',
  "  if (args.length === 1 && typeof args[0] === 'string' && /\\n\\s+at /.test(args[0])) print(`Electron's installer: ${args[0].split('\\n')[0]}`);",
  '  else print(...args);',
  '};',
].join('\n');

function runInstaller(installer: string, env: NodeJS.ProcessEnv, output: 'inherit' | 'ignore' | 'capture', onText?: (text: string) => void): Promise<number> {
  return new Promise((resolve) => {
    // Inherited output: @electron/get draws its progress bar only on a real terminal.
    const stdio = output === 'capture' ? 'pipe' : output;
    const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(SHORT_ERRORS)}`, installer], {
      cwd: path.dirname(installer),
      env,
      stdio: ['ignore', stdio, stdio],
    });
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', () => resolve(1));
    child.on('exit', (code, signal) => {
      onText?.(text);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
