import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CallHandlers, EventPayload } from '../common/api/contract.ts';
import type { TerminalTarget } from '../common/api/terminal.ts';
import { Dispatcher } from '../node/backend/dispatcher.ts';
import { EventHub } from '../node/backend/events.ts';
import { createDockerClient } from '../node/env/docker-client.ts';
import { DockerLabContainers } from '../node/env/lab-containers.ts';
import { startStandaloneJumphost, type StandaloneJumphost } from '../node/env/standalone-jumphost.ts';
import { JUMPHOST_IMAGE } from '../node/env/versions.ts';
import { startWebHost } from '../node/host/web-host.ts';
import { createTerminalHandlers } from '../node/terminals/terminal-handlers.ts';
import { TerminalService } from '../node/terminals/terminal-service.ts';
import { figure, report, unavailable, type BenchFigure } from './bench-figures.ts';

/**
 * Terminal figures per terminal kind (host shell, jumphost): throughput through the whole path (shell ->
 * backend mirror and pacing -> browser host WebSocket -> API client -> output queue -> xterm's parser)
 * against xterm alone parsing the same bytes in the same process and run, and Ctrl-C while `yes` floods:
 * time until the prompt is on the page's screen and the bytes that arrived after the keystroke. The page
 * side runs in its own process (terminal-bench-client.ts) with @xterm/headless, i.e. xterm's parser
 * without drawing; in Chromium drawing costs extra on both sides of the ratio (bench-terminal-browser.ts
 * measures it there). "Shell alone" is the same command with no page at all: on a small machine the shell
 * and its pty or docker exec stream, not the page, can be what keeps the ratio below 1.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
const RUNS = Number(process.env.LABDECK_BENCH_RUNS ?? 3);
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ClientFigures {
  kind: string;
  xtermAloneMBps: number;
  throughputMBps: number;
  deliveredShare: number;
  ordinaryShare: number;
  ctrlCMs: number;
  afterCtrlCBytes: number;
}

/** The Ctrl-C goal (issue 21): from the key to the prompt on the page, in each kind of terminal. */
export const CTRL_C_GOAL_MS = 60;

/**
 * A jumphost container of its own (its own environment name and network), or why there cannot be one here.
 * LABDECK_BENCH_JUMPHOST_IMAGE measures another build of the image (an older one while the current is built).
 */
export async function jumphostOrReason(): Promise<{ jumphost: StandaloneJumphost; name: string } | string> {
  const image = process.env.LABDECK_BENCH_JUMPHOST_IMAGE || JUMPHOST_IMAGE;
  try {
    const docker = createDockerClient();
    await docker.ping();
    const images = await docker.listImages({ filters: { reference: [image] } });
    if (images.length === 0) return `image ${image} is missing (run .ci/prepare-images.sh, or set LABDECK_BENCH_JUMPHOST_IMAGE)`;
    const name = `labdeck-bench-${randomBytes(3).toString('hex')}`;
    const octet = 100 + (randomBytes(1)[0]! % 100);
    const jumphost = await startStandaloneJumphost(docker, { name, network: name, subnet: `10.${octet}.78.0/24`, gateway: `10.${octet}.78.1`, ip: `10.${octet}.78.5`, image });
    return { jumphost, name };
  } catch (error) {
    return `Docker is unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}

const LINE = 'Labdeck throughput 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const THROUGHPUT_BYTES = Number(process.env.LABDECK_BENCH_BYTES ?? 16_000_000);

/**
 * The shell alone: the same command as the client's throughput run, through the backend (pty or docker
 * exec, mirror, pacing) to an in-process receiver that acknowledges everything at once and parses nothing.
 * No page can be faster than this, so it bounds the throughput figure from above on this machine.
 */
async function sourceAloneMBps(service: TerminalService, events: EventHub, target: TerminalTarget): Promise<number> {
  const session = await service.open({ target, cols: 120, rows: 30 }, 'bench-source');
  let tail = '';
  let lastAt = 0;
  const unsubscribe = events.subscribe((name, payload) => {
    if (name === 'terminal.data' || name === 'terminal.screen') {
      const event = payload as EventPayload<'terminal.data'> | EventPayload<'terminal.screen'>;
      if (event.id !== session.id) return;
      tail = (tail + ('data' in event ? Buffer.from(event.data).toString('latin1') : event.screen)).slice(-4000);
      lastAt = performance.now();
      service.ack(session.id, event.seq);
    }
  });
  try {
    const deadline = performance.now() + 20_000;
    while (!/[$#] $/.test(tail)) {
      if (performance.now() > deadline) throw new Error('no prompt from the shell');
      await sleep(10);
    }
    tail = '';
    const started = performance.now();
    service.input(session.id, `yes '${LINE}' | head -n ${Math.ceil(THROUGHPUT_BYTES / (LINE.length + 2))}; echo BENCH-$((40+2))-END\r`);
    while (!tail.includes('BENCH-42-END')) {
      if (performance.now() - started > 120_000) throw new Error('the shell did not finish');
      await sleep(2);
    }
    return THROUGHPUT_BYTES / ((lastAt - started) / 1000) / 1e6;
  } finally {
    unsubscribe();
    service.close(session.id);
  }
}

export default async function benchTerminal(): Promise<BenchFigure[]> {
  const emptyRenderer = await mkdtemp(path.join(os.tmpdir(), 'labdeck-bench-renderer-'));
  const jump = await jumphostOrReason();
  const events = new EventHub();
  const docker = createDockerClient();
  const service = new TerminalService({
    containers: new DockerLabContainers(docker, typeof jump === 'string' ? 'labdeck-bench-none' : jump.name),
    cluster: { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined },
    events,
  });
  // Only the terminal calls exist in this backend; the client makes no other call.
  const dispatcher = new Dispatcher(createTerminalHandlers(service) as CallHandlers);
  const host = await startWebHost({ dispatcher, events, rendererDir: emptyRenderer });
  const kinds = typeof jump === 'string' ? ['host'] : ['host', 'jumphost'];
  const figures: BenchFigure[] = [];
  if (typeof jump === 'string') figures.push(...report([unavailable('terminal jumphost', jump)]));
  try {
    for (const kind of kinds) {
      const runs: ClientFigures[] = [];
      const sourceRuns: number[] = [];
      for (let index = 0; index < RUNS; index++) {
        sourceRuns.push(await sourceAloneMBps(service, events, { kind } as TerminalTarget));
        const { stdout } = await run(
          process.execPath,
          ['--import', 'tsx', path.join(here, 'terminal-bench-client.ts'), `ws://127.0.0.1:${host.port}/api`, new URL(host.launchUrl()).hash.replace('#launch=', ''), kind],
          { cwd: ROOT, timeout: 300_000, maxBuffer: 1024 * 1024 },
        );
        const line = stdout.trim().split('\n').at(-1) ?? '';
        runs.push(JSON.parse(line) as ClientFigures);
      }
      figures.push(
        ...report([
          figure(
            `terminal ${kind} throughput`,
            'MB/s',
            runs.map((run) => run.throughputMBps),
            'shell to the page screen, through the WebSocket; counts the output a screen replaced as delivered (see "output that reached the page")',
          ),
          figure(`terminal ${kind} xterm alone`, 'MB/s', runs.map((run) => run.xtermAloneMBps), 'the same bytes parsed from memory, same process and run'),
          figure(`terminal ${kind} throughput / xterm alone`, 'x', runs.map((run) => run.throughputMBps / run.xtermAloneMBps), 'target >= 0.8'),
          figure(`terminal ${kind} shell alone`, 'MB/s', sourceRuns, 'the same command through the backend, acknowledged at once, no page: the most any page could get'),
          figure(`terminal ${kind} shell alone / xterm alone`, 'x', sourceRuns.map((mbps, index) => mbps / (runs[index]?.xtermAloneMBps ?? Number.NaN))),
          figure(`terminal ${kind} output that reached the page (flood)`, '%', runs.map((run) => run.deliveredShare * 100), 'the rest was replaced by screens while the page lagged'),
          figure(`terminal ${kind} output that reached the page (400 KB at once)`, '%', runs.map((run) => run.ordinaryShare * 100), 'an ordinary long output, like kubectl get -o yaml: target 100'),
          figure(`terminal ${kind} Ctrl-C during yes, to the prompt`, 'ms', runs.map((run) => run.ctrlCMs), `target < ${CTRL_C_GOAL_MS}`),
          figure(`terminal ${kind} bytes after Ctrl-C`, 'KB', runs.map((run) => run.afterCtrlCBytes / 1000), 'target < 100'),
        ]),
      );
    }
    return figures;
  } finally {
    await service.dispose();
    await host.close();
    if (typeof jump !== 'string') await jump.jumphost.cleanup();
    await rm(emptyRenderer, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchTerminal();
