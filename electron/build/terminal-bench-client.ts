/**
 * The renderer half of bench-terminal.ts, in its own process so its parsing does not share an event loop
 * with the backend's: the browser host's WebSocket, the page's API client and output queue, and xterm's
 * parser (@xterm/headless: the same parser as the page's xterm, without drawing). Prints one JSON line.
 *
 * Usage: tsx terminal-bench-client.ts <ws-url> <launch-code> <target-kind>
 */
import { createRequire } from 'node:module';
import type { Terminal as HeadlessTerminal } from '@xterm/headless';
import WebSocket from 'ws';
import type { EventPayload } from '../common/api/contract.ts';
import type { TerminalTarget } from '../common/api/terminal.ts';
import { ApiClient } from '../../renderer/src/lib/api/api-client.ts';
import { webSocketTransport } from '../../renderer/src/lib/api/ws-transport.ts';
import { OutputQueue } from '../../renderer/src/components/terminal/output-queue.ts';

const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as { Terminal: typeof HeadlessTerminal };

const [urlArg, tokenArg, kind] = process.argv.slice(2);
if (!urlArg || !tokenArg || !kind) throw new Error('usage: terminal-bench-client <ws-url> <launch-code> <target-kind>');
const url: string = urlArg;
const token: string = tokenArg;
const target = { kind } as TerminalTarget;
const COLS = 120;
const ROWS = 30;
const THROUGHPUT_BYTES = Number(process.env.LABDECK_BENCH_BYTES ?? 16_000_000);
const LINE = 'Labdeck throughput 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** The shell's command echo shows `$((40+2))`, only the output shows 42: the marker is never the echo. */
const END_MARK = 'BENCH-42-END';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newTerminal(): HeadlessTerminal {
  return new Terminal({ cols: COLS, rows: ROWS, scrollback: 10_000, allowProposedApi: true });
}

/** xterm alone: the same bytes parsed straight from memory, in this process. */
async function xtermAlone(): Promise<number> {
  const terminal = newTerminal();
  const chunk = Buffer.from(`${LINE}\r\n`.repeat(Math.ceil(65_536 / (LINE.length + 2))));
  const started = performance.now();
  let written = 0;
  await new Promise<void>((resolve) => {
    const next = () => {
      if (written >= THROUGHPUT_BYTES) return resolve();
      written += chunk.byteLength;
      terminal.write(chunk, next);
    };
    next();
  });
  const seconds = (performance.now() - started) / 1000;
  terminal.dispose();
  return THROUGHPUT_BYTES / seconds / 1e6;
}

/** What terminal-tab.ts does with the backend's events, around a headless xterm. */
class BenchTab {
  readonly terminal = newTerminal();
  shownSeq = 0;
  awaitingScreen = false;
  received = 0;
  /** Output bytes received as output (not replaced by a screen). */
  output = 0;
  screens = 0;
  readonly queue: OutputQueue;

  constructor(
    private readonly api: ApiClient,
    readonly id: string,
  ) {
    this.queue = new OutputQueue({
      write: (bytes, done) => this.terminal.write(bytes, done),
      ack: (seq) => void this.api.call('terminal.ack', { id, seq }).catch(() => undefined),
    });
    api.on('terminal.data', (event) => event.id === id && this.data(event));
    api.on('terminal.screen', (event) => event.id === id && this.screen(event));
  }

  data(event: EventPayload<'terminal.data'>): void {
    this.received += event.data.byteLength;
    this.output += event.data.byteLength;
    if (event.seq <= this.shownSeq) return;
    this.shownSeq = event.seq;
    if (this.awaitingScreen) return this.queue.skip(event.seq);
    this.queue.push(event.data, event.seq);
  }

  screen(event: EventPayload<'terminal.screen'>): void {
    this.received += event.screen.length;
    this.screens++;
    if (event.seq < this.shownSeq) return;
    this.shownSeq = event.seq;
    this.awaitingScreen = false;
    this.queue.replace(`\x1b[?1049l\x1b[!p\x1b[H\x1b[2J${event.screen}`, event.seq);
  }

  type(data: string): void {
    if (data.includes('\x03') && this.queue.interrupt()) {
      this.awaitingScreen = true;
      void this.api.call('terminal.input', { id: this.id, data, resync: true });
      return;
    }
    void this.api.call('terminal.input', { id: this.id, data });
  }

  /** The visible rows, as text. */
  screenText(): string {
    const buffer = this.terminal.buffer.active;
    const rows: string[] = [];
    for (let row = 0; row < this.terminal.rows; row++) rows.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
    return rows.join('\n');
  }

  /** Whether the cursor's row is a shell prompt and nothing is left to parse. */
  atPrompt(): boolean {
    const buffer = this.terminal.buffer.active;
    const row = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
    return this.queue.backlogBytes === 0 && !this.awaitingScreen && /[$#] ?$/.test(row);
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

async function main(): Promise<void> {
  const alone = await xtermAlone();
  const api = new ApiClient(
    webSocketTransport({
      url,
      credential: { kind: 'launch', code: token },
      createSocket: (address, protocols) => new WebSocket(address, protocols, { headers: { origin: new URL(url).origin.replace('ws:', 'http:') } }) as unknown as globalThis.WebSocket,
    }),
  );
  const session = await api.call('terminal.open', { target, cols: COLS, rows: ROWS });
  const tab = new BenchTab(api, session.id);
  await waitUntil(() => tab.atPrompt(), 20_000, 'the first prompt');
  await sleep(300);

  // Throughput: the shell prints THROUGHPUT_BYTES and a marker; done when the marker is on the page's screen.
  const count = Math.ceil(THROUGHPUT_BYTES / (LINE.length + 2));
  const outputBefore = tab.output;
  const started = performance.now();
  tab.type(`yes '${LINE}' | head -n ${count}; echo BENCH-$((40+2))-END\r`);
  await waitUntil(() => tab.screenText().includes(END_MARK) && tab.atPrompt(), 120_000, 'the end of the output');
  const throughputSeconds = (performance.now() - started) / 1000;
  const delivered = tab.output - outputBefore;
  await sleep(300);

  // An ordinary long output printed at once (400 KB, like `kubectl get -o yaml`): it must arrive whole.
  const ordinaryLines = Math.ceil(400_000 / (LINE.length + 2));
  const ordinaryBefore = tab.output;
  tab.type(`clear; yes '${LINE}' | head -n ${ordinaryLines}; echo BENCH-$((40+3))-END\r`);
  await waitUntil(() => tab.screenText().includes('BENCH-43-END') && tab.atPrompt(), 60_000, 'the end of the ordinary output');
  const ordinaryShare = (tab.output - ordinaryBefore) / (ordinaryLines * (LINE.length + 2));
  await sleep(300);

  // Ctrl-C while `yes` floods: from the keystroke to the prompt on the page's screen, and what arrived meanwhile.
  tab.type('yes\r');
  await sleep(1500);
  const receivedAtCtrlC = tab.received;
  const interruptedAt = performance.now();
  tab.type('\x03');
  await waitUntil(() => tab.atPrompt(), 30_000, 'the prompt after Ctrl-C');
  const ctrlCMs = performance.now() - interruptedAt;
  const afterCtrlC = tab.received - receivedAtCtrlC;

  await api.call('terminal.close', { id: session.id });
  process.stdout.write(
    `${JSON.stringify({
      kind,
      xtermAloneMBps: alone,
      throughputMBps: THROUGHPUT_BYTES / throughputSeconds / 1e6,
      deliveredShare: delivered / THROUGHPUT_BYTES,
      ordinaryShare,
      ctrlCMs,
      afterCtrlCBytes: afterCtrlC,
    })}\n`,
  );
  process.exit(0);
}

await main();
