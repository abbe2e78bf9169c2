import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startServe, type Serve } from './bench-app.ts';
import { bundleCli } from './bundle-cli.ts';
import { figure, report, unavailable, type BenchFigure } from './bench-figures.ts';
import { CTRL_C_GOAL_MS, jumphostOrReason } from './bench-terminal.ts';

/**
 * Terminal figures in a real browser: Debian's Chromium (driven by playwright-core) loads the real renderer
 * build (dist/renderer) from `labdeck serve` (the CLI bundle, in its own process, so the backend shares
 * its event loop with neither Playwright nor the page). Per terminal kind (host shell; jumphost when Docker and its image are here):
 * - throughput: from the Enter key of `yes '<line>' | head -n N; echo <marker>` to the marker on the page's
 *   screen, against xterm alone (the same xterm build, same size and font, in the same page) fed the same
 *   bytes from memory, run for run;
 * - Ctrl-C during `yes`: from the key to the prompt under the page's cursor, and the WebSocket bytes that
 *   arrived meanwhile. "On the page" is the moment xterm's renderer puts the prompt into the DOM (a mutation
 *   observer), in the animation frame that paints it; the figure seen from the next animation frame, as
 *   this bench measured it before, is reported beside it (up to one frame, 16.7 ms, later);
 * - the share of the output that reached the page as output: of the flood (the throughput figure counts what
 *   a screen replaced as delivered), and of an ordinary long output of 400 KB (which must arrive whole).
 * Chromium runs without WebGL (`--disable-3d-apis`, as the e2e specs): the bench reads the screen from
 * xterm's DOM renderer, which both sides of the ratio then use. Needs `npm run build` first.
 *
 * `npm run bench -- terminal-browser` runs only this; LABDECK_BENCH_RUNS, LABDECK_BENCH_BYTES and
 * LABDECK_BENCH_JUMPHOST_IMAGE (bench-terminal.ts) adjust it.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RENDERER = path.join(ROOT, 'dist/renderer');
const CHROMIUM = process.env.LABDECK_CHROMIUM ?? '/usr/bin/chromium';
const RUNS = Number(process.env.LABDECK_BENCH_RUNS ?? 3);
const BYTES = Number(process.env.LABDECK_BENCH_BYTES ?? 32_000_000);
/** An ordinary long output: `kubectl get -o yaml` or `describe` of a few hundred KB. */
const ORDINARY_BYTES = 400_000;
const LINE = 'Labdeck throughput 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** The shell's echo of the command shows `$((40+2))`; only its output shows 42. */
const END_MARK = 'BENCH-42-END';
const xtermFont = { fontFamily: "'JetBrains Mono', 'Cascadia Code', 'DejaVu Sans Mono', ui-monospace, monospace", fontSize: 14 };

interface Run {
  aloneMBps: number;
  throughputMBps: number;
  /** WebSocket bytes the page received during the throughput run, per byte of output. */
  sentShare: number;
  /** Output bytes (terminal frames' payload) that reached the page during the throughput run, per byte of output. */
  deliveredShare: number;
  /** The same for an ordinary long output (400 KB at once, like `kubectl get -o yaml`). */
  ordinaryShare: number;
  ctrlCMs: number;
  /** The same, seen from the animation frame after the one that painted the prompt. */
  ctrlCFrameMs: number;
  afterCtrlCBytes: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Loads xterm and its fit addon into the page (UMD builds from node_modules: the versions the app bundles). */
async function loadXtermAlone(page: Page): Promise<void> {
  const lib = (name: string) => readFile(path.join(ROOT, 'node_modules', name), 'utf8');
  await page.addStyleTag({ content: await lib('@xterm/xterm/css/xterm.css') });
  await page.addScriptTag({ content: await lib('@xterm/xterm/lib/xterm.js') });
  await page.addScriptTag({ content: await lib('@xterm/addon-fit/lib/addon-fit.js') });
}

/** xterm alone: a terminal laid over the app's, same size and font, parsing and drawing the bytes from memory. */
async function xtermAlone(page: Page, selector: string): Promise<number> {
  const seconds = await page.evaluate(
    async ({ selector, line, bytes, font }) => {
      type XTerm = { open(element: HTMLElement): void; loadAddon(addon: unknown): void; write(data: Uint8Array, done: () => void): void; dispose(): void };
      const scope = globalThis as unknown as { Terminal: new (options: object) => XTerm; FitAddon: { FitAddon: new () => { fit(): void } } };
      const box = document.querySelector(selector)!.getBoundingClientRect();
      const element = document.createElement('div');
      Object.assign(element.style, { position: 'fixed', left: `${box.left}px`, top: `${box.top}px`, width: `${box.width}px`, height: `${box.height}px`, zIndex: '10000', background: '#fff' });
      document.body.append(element);
      const terminal = new scope.Terminal({ ...font, scrollback: 10_000, allowProposedApi: true });
      const fit = new scope.FitAddon.FitAddon();
      terminal.loadAddon(fit);
      terminal.open(element);
      fit.fit();
      const chunk = new TextEncoder().encode(`${line}\r\n`.repeat(Math.ceil(65_536 / (line.length + 2))));
      const started = performance.now();
      let written = 0;
      await new Promise<void>((resolve) => {
        const next = () => {
          if (written >= bytes) return resolve();
          written += chunk.byteLength;
          terminal.write(chunk, next);
        };
        next();
      });
      // The app's figure ends when the marker is drawn; this one when the last bytes are.
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const elapsed = (performance.now() - started) / 1000;
      terminal.dispose();
      element.remove();
      return elapsed;
    },
    { selector, line: LINE, bytes: BYTES, font: xtermFont },
  );
  return BYTES / seconds / 1e6;
}

/**
 * Watches the app's terminal from inside the page: the time of the next `key` press (capture phase, before
 * xterm sees it), of the DOM change by which the condition first holds for the terminal's rows (xterm's DOM
 * renderer changes them in the animation frame that paints them), and of the first animation frame on which
 * it holds (a frame later, when the check's callback ran before the renderer's in that frame).
 */
async function armWatch(page: Page, selector: string, key: string, until: 'marker' | 'prompt'): Promise<void> {
  await page.evaluate(
    ({ selector, key, until, marker }) => {
      const state = { pressed: 0, painted: 0, done: 0, bytesAtPress: 0, bytesAtDone: 0, outputAtPress: 0, outputAtDone: 0 };
      const socketBytes = () => (window as unknown as { __labdeckSocketBytes: number }).__labdeckSocketBytes;
      const outputBytes = () => (window as unknown as { __labdeckOutputBytes: number }).__labdeckOutputBytes;
      (window as unknown as { __labdeckBench: typeof state }).__labdeckBench = state;
      const rows = document.querySelector(`${selector} .xterm-rows`)!;
      const onKey = (event: KeyboardEvent) => {
        if (event.key !== key || state.pressed) return;
        state.pressed = performance.now();
        state.bytesAtPress = socketBytes();
        state.outputAtPress = outputBytes();
        document.removeEventListener('keydown', onKey, true);
      };
      document.addEventListener('keydown', onKey, true);
      const reached = () =>
        until === 'marker'
          ? (rows.textContent ?? '').includes(marker)
          : /[$#]\s*$/.test(rows.querySelector('.xterm-cursor')?.closest('.xterm-rows > div')?.textContent ?? '');
      const observer = new MutationObserver(() => {
        if (!state.pressed || state.painted || !reached()) return;
        state.painted = performance.now();
        observer.disconnect();
      });
      observer.observe(rows, { childList: true, subtree: true, characterData: true, attributes: true });
      const check = () => {
        if (state.pressed) {
          if (reached()) {
            state.painted ||= performance.now();
            observer.disconnect();
            state.done = performance.now();
            state.bytesAtDone = socketBytes();
            state.outputAtDone = outputBytes();
            return;
          }
        }
        requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    },
    { selector, key, until, marker: END_MARK },
  );
}

/**
 * How long from the key to the condition, the WebSocket bytes the page received in between, and of those the
 * terminal output bytes (what was not replaced by a screen).
 */
async function watched(page: Page, timeoutMs: number): Promise<{ ms: number; paintedMs: number; bytes: number; output: number }> {
  await page.waitForFunction(() => (window as unknown as { __labdeckBench: { done: number } }).__labdeckBench.done > 0, undefined, { polling: 100, timeout: timeoutMs });
  return page.evaluate(() => {
    const state = (
      window as unknown as { __labdeckBench: { pressed: number; painted: number; done: number; bytesAtPress: number; bytesAtDone: number; outputAtPress: number; outputAtDone: number } }
    ).__labdeckBench;
    return { ms: state.done - state.pressed, paintedMs: state.painted - state.pressed, bytes: state.bytesAtDone - state.bytesAtPress, output: state.outputAtDone - state.outputAtPress };
  });
}

async function atPrompt(page: Page, selector: string): Promise<void> {
  await page.waitForFunction(
    (selector) => /[$#]\s*$/.test(document.querySelector(`${selector} .xterm-rows .xterm-cursor`)?.closest('.xterm-rows > div')?.textContent ?? ''),
    selector,
    { polling: 100, timeout: 30_000 },
  );
}

async function measureKind(page: Page, kind: string): Promise<Run[]> {
  const selector = `[data-terminal="${kind}"]`;
  await page.getByRole('tab', { name: kind === 'host' ? /^host shell/ : new RegExp(`^${kind}`) }).click();
  await page.locator(`${selector} .xterm-rows`).waitFor({ timeout: 30_000 });
  await atPrompt(page, selector);
  const runs: Run[] = [];
  const count = Math.ceil(BYTES / (LINE.length + 2));
  for (let run = 0; run < RUNS; run++) {
    const aloneMBps = await xtermAlone(page, selector);
    await page.locator(selector).click();
    await page.keyboard.type(`yes '${LINE}' | head -n ${count}; echo BENCH-$((40+2))-END`);
    await armWatch(page, selector, 'Enter', 'marker');
    await page.keyboard.press('Enter');
    const { ms: throughputMs, bytes: throughputBytes, output: throughputOutput } = await watched(page, 180_000);
    await atPrompt(page, selector);
    await page.keyboard.type('clear\n');
    await sleep(500);

    // An ordinary long output, printed at once like `kubectl get -o yaml`: it must reach the page whole.
    const ordinaryLines = Math.ceil(ORDINARY_BYTES / (LINE.length + 2));
    await page.keyboard.type(`yes '${LINE}' | head -n ${ordinaryLines}; echo BENCH-$((40+2))-END`);
    await armWatch(page, selector, 'Enter', 'marker');
    await page.keyboard.press('Enter');
    const { output: ordinaryOutput } = await watched(page, 60_000);
    await atPrompt(page, selector);
    await page.keyboard.type('clear\n');
    await sleep(500);

    await page.keyboard.type('yes\n');
    await sleep(1500);
    await armWatch(page, selector, 'c', 'prompt');
    await page.keyboard.press('Control+c');
    const { ms: ctrlCFrameMs, paintedMs: ctrlCMs, bytes: afterCtrlCBytes } = await watched(page, 30_000);
    await page.keyboard.type('clear\n');
    await sleep(500);
    runs.push({
      aloneMBps,
      throughputMBps: BYTES / (throughputMs / 1000) / 1e6,
      sentShare: throughputBytes / BYTES,
      deliveredShare: throughputOutput / BYTES,
      ordinaryShare: ordinaryOutput / (ordinaryLines * (LINE.length + 2)),
      ctrlCMs,
      ctrlCFrameMs,
      afterCtrlCBytes,
    });
  }
  return runs;
}

export default async function benchTerminalBrowser(): Promise<BenchFigure[]> {
  if (!existsSync(path.join(RENDERER, 'index.html'))) return report([unavailable('terminal throughput in Chromium', 'no renderer build: run `npm run build` first')]);
  if (!existsSync(CHROMIUM)) return report([unavailable('terminal throughput in Chromium', `no Chromium at ${CHROMIUM} (set LABDECK_CHROMIUM)`)]);
  const figures: BenchFigure[] = [];
  const jump = await jumphostOrReason();
  if (typeof jump === 'string') figures.push(...report([unavailable('terminal jumphost in Chromium', jump)]));
  const configDir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-bench-config-'));
  let serve: Serve | undefined;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-3d-apis', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // The jumphost above belongs to an environment of its own name; the user's "labdeck" is left alone.
    const config = path.join(configDir, 'labdeck.yaml');
    await writeFile(config, `name: ${typeof jump === 'string' ? 'labdeck-bench-none' : jump.name}\n`);
    serve = await startServe(await bundleCli(), ['--config', config]);
    // The xterm-alone side loads xterm's UMD build as inline scripts, which the app's CSP rightly refuses.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    await context.addInitScript({ content: countSocketBytes });
    const page = await context.newPage();
    await page.goto(serve.url);
    await page.getByRole('tablist', { name: 'Terminals' }).waitFor({ timeout: 60_000 });
    await loadXtermAlone(page);
    const kinds = typeof jump === 'string' ? ['host'] : ['host', 'jumphost'];
    for (const kind of kinds) {
      const runs = await measureKind(page, kind);
      figures.push(
        ...report([
          figure(
            `Chromium terminal ${kind} throughput`,
            'MB/s',
            runs.map((run) => run.throughputMBps),
            'Enter to the marker on the page, DOM renderer; counts the output a screen replaced as delivered (see "output that reached the page")',
          ),
          figure(`Chromium terminal ${kind} xterm alone`, 'MB/s', runs.map((run) => run.aloneMBps), 'the same bytes from memory, same page, size and font'),
          figure(`Chromium terminal ${kind} throughput / xterm alone`, 'x', runs.map((run) => run.throughputMBps / run.aloneMBps), 'target >= 0.8'),
          figure(`Chromium terminal ${kind} WebSocket bytes per output byte`, '%', runs.map((run) => run.sentShare * 100), 'below 100: screens replaced output the page lagged behind on'),
          figure(`Chromium terminal ${kind} output that reached the page (flood)`, '%', runs.map((run) => run.deliveredShare * 100), 'of the 32 MB flood; the rest was replaced by screens'),
          figure(`Chromium terminal ${kind} output that reached the page (400 KB at once)`, '%', runs.map((run) => run.ordinaryShare * 100), 'an ordinary long output, like kubectl get -o yaml: target 100'),
          figure(`Chromium terminal ${kind} Ctrl-C during yes, to the prompt`, 'ms', runs.map((run) => run.ctrlCMs), `to the frame that paints it; target < ${CTRL_C_GOAL_MS}`),
          figure(
            `Chromium terminal ${kind} Ctrl-C during yes, to the prompt, next frame`,
            'ms',
            runs.map((run) => run.ctrlCFrameMs),
            'seen from the animation frame after the one that painted it (how this bench measured before)',
          ),
          figure(`Chromium terminal ${kind} bytes after Ctrl-C`, 'KB', runs.map((run) => run.afterCtrlCBytes / 1000), 'WebSocket messages the page received, target < 100'),
        ]),
      );
    }
    await context.close();
    return figures;
  } finally {
    await browser.close();
    if (serve) {
      serve.child.kill('SIGTERM');
      await new Promise((resolve) => serve!.child.once('exit', resolve));
      await rm(serve.dataDir, { recursive: true, force: true });
    }
    if (typeof jump !== 'string') await jump.jumphost.cleanup();
    await rm(configDir, { recursive: true, force: true });
  }
}

/**
 * Counts the bytes of every WebSocket message the page's script receives, as bench-terminal's client
 * does: what reached the page, not what Chromium's network stack holds for it. tsx (esbuild) names the
 * functions in evaluate callbacks with a __name helper the page lacks; it is defined here too.
 */
const countSocketBytes = `
globalThis.__name = (target) => target;
window.__labdeckSocketBytes = 0;
window.__labdeckOutputBytes = 0;
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', (event) => {
      window.__labdeckSocketBytes += typeof event.data === 'string' ? event.data.length : (event.data.byteLength ?? event.data.size ?? 0);
      // Terminal output frames (electron/common/api/terminal-frame.ts): type, id length, id, 8-byte seq, output.
      if (event.data instanceof ArrayBuffer && event.data.byteLength > 2) {
        const header = new Uint8Array(event.data, 0, 2);
        if (header[0] === 1) window.__labdeckOutputBytes += event.data.byteLength - (2 + header[1] + 8);
      }
    });
  }
};
`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchTerminalBrowser();
