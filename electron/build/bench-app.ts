import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { launchFragmentKey } from '../common/api/access-token.ts';
import { mintLaunchCode, newLaunchKey } from '../node/host/tab-sessions.ts';
import { figure, report, unavailable, type BenchFigure } from './bench-figures.ts';
import { bundleCli } from './bundle-cli.ts';

/**
 * The app as an attendee meets it, in the browser host (`labdeck serve`, the bundled CLI) and Chromium:
 * - initial JS: the bytes of script the page must load before it can draw anything (the entry chunk and its
 *   static imports), gzipped and brotli'd as the host sends them;
 * - cold start to the lab list: a fresh browser context (empty cache) from navigation start to the first lab
 *   button in the Labs navigation, and the bytes transferred until then;
 * - the backend at rest: with the page open and idle, CPU share and resident memory of the serve process.
 * Needs `npm run build` (dist/renderer) first; Chromium from LABDECK_CHROMIUM or /usr/bin/chromium.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RENDERER = path.join(ROOT, 'dist/renderer');
const RUNS = Number(process.env.LABDECK_BENCH_RUNS ?? 5);
const CHROMIUM = process.env.LABDECK_CHROMIUM ?? '/usr/bin/chromium';
const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/** The entry script of index.html and every chunk it imports statically (not the import() ones). */
async function initialScripts(): Promise<string[]> {
  const html = await readFile(path.join(RENDERER, 'index.html'), 'utf8');
  const queue = [...html.matchAll(/<script[^>]+type="module"[^>]+src="\.\/([^"]+)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\.\/([^"]+)"/g)].map((match) => path.join(RENDERER, match[1] ?? ''));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift() ?? '';
    if (seen.has(file)) continue;
    seen.add(file);
    const code = await readFile(file, 'utf8');
    // Static imports in Vite's minified output: `import{a as b}from"./x.js"` or `import"./x.js"`.
    for (const match of code.matchAll(/(?:^|[;\s}])import\s*(?:[\w$*{}\s,]+from\s*)?["'](\.\/[^"']+\.js)["']/g)) queue.push(path.resolve(path.dirname(file), match[1] ?? ''));
  }
  return [...seen];
}

/** Gzipped bytes of these build files (their .gz copies, or gzipped here when a copy is missing). */
async function gzippedSize(files: readonly string[]): Promise<number> {
  let total = 0;
  for (const file of new Set(files)) {
    if (!file.startsWith(RENDERER) || !existsSync(file)) continue;
    total += existsSync(`${file}.gz`) ? (await stat(`${file}.gz`)).size : (await gzip(await readFile(file), { level: 9 })).length;
  }
  return total;
}

async function initialJs(): Promise<BenchFigure[]> {
  const files = await initialScripts();
  let raw = 0;
  let gz = 0;
  let br = 0;
  for (const file of files) {
    const content = await readFile(file);
    raw += content.length;
    gz += existsSync(`${file}.gz`) ? (await stat(`${file}.gz`)).size : (await gzip(content, { level: 9 })).length;
    br += existsSync(`${file}.br`) ? (await stat(`${file}.br`)).size : (await brotli(content)).length;
  }
  const names = files.map((file) => path.basename(file)).join(', ');
  return report([
    figure('initial JS, gzipped', 'kB', [Number((gz / 1000).toFixed(1))], `${files.length} file(s): ${names}; ${(raw / 1000).toFixed(0)} kB raw`),
    figure('initial JS, brotli (what the host sends to Chromium)', 'kB', [Number((br / 1000).toFixed(1))]),
  ]);
}

export interface Serve {
  child: ChildProcess;
  /** A fresh one-time address each time it is read (every page.goto needs its own launch code). */
  readonly url: string;
  dataDir: string;
}

/** `labdeck serve` from the CLI bundle, in a process of its own, with a fresh data folder and no cluster. */
export async function startServe(bundle: string, extraArgs: string[] = []): Promise<Serve> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-bench-'));
  const launchKey = newLaunchKey();
  const child = spawn(process.execPath, [bundle, 'serve', '--port', '0', '--data-dir', dataDir, '--kubeconfig', path.join(dataDir, 'no-kubeconfig'), ...extraArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LABDECK_LAUNCH_KEY: launchKey.toString('base64url') },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`labdeck serve printed no address in 60 s: ${stderr}`)), 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`labdeck serve exited with ${code}: ${stderr}`)));
  });
  const origin = new URL(url).origin;
  return {
    child,
    get url() {
      return `${origin}/#${launchFragmentKey}=${mintLaunchCode(launchKey)}`;
    },
    dataDir,
  };
}

/** utime + stime of a process in ms, and its resident set in MB, from /proc. */
async function processUsage(pid: number): Promise<{ cpuMs: number; rssMB: number }> {
  const statLine = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return { cpuMs: (ticks * 1000) / 100, rssMB: rssKB / 1024 };
}

export default async function benchApp(): Promise<BenchFigure[]> {
  if (!existsSync(path.join(RENDERER, 'index.html'))) {
    return report([unavailable('initial JS, cold start, backend at rest', 'no renderer build: run `npm run build` first')]);
  }
  const figures = await initialJs();
  const bundle = await bundleCli();
  if (!existsSync(CHROMIUM)) return [...figures, ...report([unavailable('cold start to the lab list; backend at rest', `no Chromium at ${CHROMIUM} (set LABDECK_CHROMIUM)`)])];

  const serve = await startServe(bundle);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const coldMs: number[] = [];
    const coldKB: number[] = [];
    const firstClickJsKB: number[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(serve.url, { waitUntil: 'commit' });
      await page.waitForFunction(() => document.querySelector('nav[aria-label="Labs"] button') !== null, undefined, { polling: 'raf', timeout: 60_000 });
      const { ms, bytes } = await page.evaluate(() => ({
        ms: performance.now(),
        bytes: performance.getEntriesByType('resource').reduce((sum, entry) => sum + (entry as PerformanceResourceTiming).transferSize, (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.transferSize ?? 0),
      }));
      // What really loads before the first click: every script the page fetched once it went quiet (lazy
      // chunks the Start screen imports by itself count; the static-import figure above cannot see those).
      await page.waitForLoadState('networkidle');
      const scripts = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname).filter((pathname) => pathname.endsWith('.js')));
      const scriptBytes = await gzippedSize(scripts.map((pathname) => path.join(RENDERER, decodeURIComponent(pathname))));
      // The first run also warms the backend (course loading, file cache); it is not counted.
      if (run > 0) {
        coldMs.push(Math.round(ms));
        coldKB.push(Math.round(bytes / 1000));
        firstClickJsKB.push(Number((scriptBytes / 1000).toFixed(1)));
      }
      await context.close();
    }
    figures.push(
      ...report([
        figure('cold start to the lab list (Chromium, empty cache)', 'ms', coldMs),
        figure('bytes transferred until the lab list', 'kB', coldKB),
        figure('JS loaded before the first click, gzipped (goal under 120 kB)', 'kB', firstClickJsKB, 'every .js the Start screen fetched until the network was idle, by its .gz copy'),
      ]),
    );

    // At rest: one page open on the lab list, nothing happening. Settle first, then three 5 s windows.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(serve.url);
    await page.waitForSelector('nav[aria-label="Labs"] button', { timeout: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const pid = serve.child.pid ?? 0;
    const cpuShares: number[] = [];
    const rss: number[] = [];
    for (let window = 0; window < 3; window++) {
      const before = await processUsage(pid);
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const after = await processUsage(pid);
      cpuShares.push(Number((((after.cpuMs - before.cpuMs) / (performance.now() - started)) * 100).toFixed(2)));
      rss.push(Math.round(after.rssMB));
    }
    await context.close();
    figures.push(...report([figure('backend at rest, CPU (one core = 100%)', '%', cpuShares, 'labdeck serve, page open and idle'), figure('backend at rest, RSS', 'MB', rss)]));
    return figures;
  } finally {
    await browser.close();
    serve.child.kill('SIGTERM');
    await new Promise((resolve) => serve.child.once('exit', resolve));
    await rm(serve.dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchApp();
