import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { NetworkMap } from '../common/api/cluster.ts';
import { buildPath } from '../node/cluster/packet-path/build-path.ts';
import { parseConntrack } from '../node/cluster/packet-path/conntrack.ts';
import { counterChanges, parseIptablesSave } from '../node/cluster/packet-path/iptables-save.ts';
import { dockerShellChannel } from '../node/cluster/packet-path/docker-reader-shell.ts';
import { PacketTracer } from '../node/cluster/packet-path/packet-tracer.ts';
import { READER_SHELL_ARGV } from '../node/cluster/packet-path/reader-shell.ts';
import { traceTarget } from '../node/cluster/packet-path/trace-target.ts';
import { DockerLabContainers, listLabContainers } from '../node/env/lab-containers.ts';
import { figure, report, unavailable, type BenchFigure } from './bench-figures.ts';

/**
 * The packet tracer's cost (README, "How the map traces a packet"). At rest it costs nothing: no timer, no
 * reads. A trace reads every node once (iptables-save -c, conntrack -L, then one ip route get), so its cost
 * is per request. Measured two ways: parsing the text captured from the real nodes (this process only), and
 * whole traces on a running Labdeck cluster (LABDECK_BENCH_MAP_ENV, default the test suite's `labdeck-test`;
 * take /tmp/labdeck-cluster.lock first when the cluster is shared), with the CPU of everything the reads run
 * (this process, dockerd, containerd, the shims, runc, the commands in the nodes; see engineProcesses), both
 * through reader shells (what Labdeck does) and with one `docker exec` per read (what it did before), on the
 * same cluster in the same run. "While tracing" assumes an attendee sending one request every 2 s, faster
 * than anyone types.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../node/cluster/packet-path/fixtures');
const ENV = process.env.LABDECK_BENCH_MAP_ENV ?? 'labdeck-test';
const REQUEST_INTERVAL_MS = 2_000;

async function parseCost(): Promise<BenchFigure[]> {
  const text = (name: string) => readFile(path.join(fixtures, name), 'utf8');
  const [before, after, conntrack] = await Promise.all([text('master1.iptables-before-12.txt'), text('master1.iptables-after-12.txt'), text('master1.conntrack-clusterip.txt')]);
  const map: NetworkMap = {
    available: true,
    updatedAt: '',
    nodes: ['master1', 'worker1', 'worker2'].map((name) => ({ name, role: 'worker', ready: true })),
    pods: [],
    services: [{ namespace: 'map-capture', name: 'web', type: 'ClusterIP', clusterIP: '10.99.49.48', ports: [{ port: 80, protocol: 'TCP' }], selector: {}, endpoints: [], dnsName: '' }],
  };
  const runs: number[] = [];
  for (let run = 0; run < 200; run += 1) {
    const started = process.cpuUsage();
    // Three nodes' worth of text, as one trace reads.
    const observations = new Map(['master1', 'worker1', 'worker2'].map((node) => [node, { changes: counterChanges(parseIptablesSave(before), parseIptablesSave(after)), conntrack: parseConntrack(conntrack) }]));
    buildPath({ map, target: traceTarget('curl http://10.99.49.48/', map), observations });
    const used = process.cpuUsage(started);
    runs.push((used.user + used.system) / 1000);
  }
  return [figure('packet path: parsing one trace (3 nodes of real text)', 'ms CPU', runs)];
}

/** CPU ticks (USER_HZ, 100 a second on Linux) a process used, its own and its reaped children's. */
interface ProcessTicks {
  pid: number;
  ticks: number;
}

/**
 * The processes a read costs on the host besides this one: dockerd, its containerd and the containerd shims
 * of the node containers (a `docker exec`'s runc, and the exec'd commands once they exit, are reaped by the
 * shim and counted in its children's time), and the reader shells (their commands counted when they exit).
 * The nodes' own kubelet, containerd and pods are left out: that is the cluster's background, which on a
 * shared machine dwarfs a read when the whole machine (/proc/stat) is measured.
 */
async function engineProcesses(nodeContainerIds: ReadonlySet<string>): Promise<ProcessTicks[] | null> {
  const entries = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  const found: Array<{ pid: number; ppid: number; comm: string; cmdline: string; ticks: number }> = [];
  for (const entry of entries) {
    const stat = await readProcessStat(Number(entry));
    if (!stat) continue;
    if (!/^(dockerd|containerd|containerd-shim.*|sh)$/.test(stat.comm)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    found.push({ ...stat, cmdline });
  }
  const dockerd = new Set(found.filter((item) => item.comm === 'dockerd').map((item) => item.pid));
  if (dockerd.size === 0) return null;
  return found
    .filter(
      (item) =>
        dockerd.has(item.pid) ||
        (item.comm === 'containerd' && (dockerd.has(item.ppid) || item.ppid === 1)) ||
        (item.comm.startsWith('containerd-shim') && item.cmdline.split('\0').some((word) => nodeContainerIds.has(word))) ||
        item.cmdline === `${READER_SHELL_ARGV.join('\0')}\0`,
    )
    .map(({ pid, ticks }) => ({ pid, ticks }));
}

async function readProcessStat(pid: number): Promise<{ pid: number; ppid: number; comm: string; ticks: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime) of proc(5), counted from the state (field 3).
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
  return { pid, ppid: Number(fields[1] ?? 0), comm, ticks };
}

/** Ticks the given processes used since `before` (a process that exited meanwhile is in its reaper's count). */
async function ticksSince(before: ProcessTicks[], nodeContainerIds: ReadonlySet<string>): Promise<number> {
  let used = 0;
  const now = await engineProcesses(nodeContainerIds);
  const start = new Map(before.map((item) => [item.pid, item.ticks]));
  for (const item of now ?? []) used += item.ticks - (start.get(item.pid) ?? 0);
  return used;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux
/** Traces per round: a round's engine ticks, divided by its traces, resolve a trace's cost to 2 ms. */
const TRACES_PER_ROUND = 5;
const ROUNDS = 12;

interface ModeFigures {
  wall: number[];
  own: number[];
  /** Null where dockerd is not a process of this machine (Docker Desktop's VM, a remote engine). */
  engine: number[] | null;
  firstReadMs: number;
}

async function measureMode(tracer: PacketTracer, nodeContainerIds: ReadonlySet<string>): Promise<ModeFigures> {
  const wall: number[] = [];
  const own: number[] = [];
  const engine: number[] = [];
  const firstStarted = performance.now();
  await tracer.prime();
  const firstReadMs = performance.now() - firstStarted;
  let roundsWall = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const before = await engineProcesses(nodeContainerIds);
    let roundOwn = 0;
    const roundStarted = performance.now();
    for (let index = 0; index < TRACES_PER_ROUND; index += 1) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await tracer.trace({ command: 'curl http://10.96.0.10:53/', terminal: 'jumphost' });
      wall.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      roundOwn += (used.user + used.system) / 1000;
    }
    roundsWall += performance.now() - roundStarted;
    own.push(roundOwn / TRACES_PER_ROUND);
    if (before) engine.push(((await ticksSince(before, nodeContainerIds)) * TICK_MS) / TRACES_PER_ROUND);
  }
  if (engine.length === 0) return { wall, own, engine: null, firstReadMs };
  // The same processes' background (other users of this Docker engine, the shims' own work) over as long.
  const quiet = await engineProcesses(nodeContainerIds);
  await new Promise((resolve) => setTimeout(resolve, roundsWall));
  const backgroundPerTrace = ((await ticksSince(quiet ?? [], nodeContainerIds)) * TICK_MS) / engine.length / TRACES_PER_ROUND;
  return { wall, own, engine: engine.map((value) => Math.max(0, value - backgroundPerTrace)), firstReadMs };
}

async function liveCost(): Promise<BenchFigure[]> {
  const docker = new Docker();
  const nodes = await listLabContainers(docker, ENV).catch(() => []);
  const nodeContainers = nodes.filter((item) => (item.role === 'server' || item.role === 'agent') && item.state === 'running');
  const names = nodeContainers.map((item) => item.node ?? item.name);
  const nodeContainerIds = new Set(nodeContainers.map((item) => item.id));
  if (names.length === 0) return [unavailable('packet path: one trace on the real cluster', `no running Labdeck environment ${ENV} (LABDECK_BENCH_MAP_ENV)`)];
  const map: NetworkMap = { available: true, updatedAt: '', nodes: names.map((name) => ({ name, role: 'worker', ready: true })), pods: [], services: [] };
  const containers = new DockerLabContainers(docker, ENV);
  const figures: BenchFigure[] = [];
  const modes = [
    { key: 'one docker exec per read', openShell: undefined },
    { key: 'reader shells', openShell: dockerShellChannel(docker) },
  ];
  for (const mode of modes) {
    const tracer = new PacketTracer({ containers, map: () => map, emit: () => undefined, ...(mode.openShell ? { openShell: mode.openShell } : {}) });
    const measured = await measureMode(tracer, nodeContainerIds);
    tracer.dispose();
    const label = `packet path (${mode.key})`;
    const first = mode.openShell ? 'the first read, opening the shells,' : 'the first read';
    figures.push(
      figure(`${label}: one trace on the real cluster, wall time`, 'ms', measured.wall, `${names.length} nodes; the map draws the path when it ends (goal: under 2000 ms); ${first} took ${measured.firstReadMs.toFixed(0)} ms`),
      figure(`${label}: CPU of this process per trace`, 'ms CPU', measured.own, `mean of ${TRACES_PER_ROUND} traces, ${ROUNDS} rounds`),
      figure(`${label}: reader cost while tracing, one request every 2 s (this process)`, '% of one core', measured.own.map((value) => (value / REQUEST_INTERVAL_MS) * 100), 'at rest 0 (no polling)'),
    );
    const engine = measured.engine;
    if (!engine) {
      figures.push(unavailable(`${label}: CPU of the Docker engine and the nodes per trace`, 'dockerd is not a process of this machine (Docker Desktop or a remote engine)'));
      continue;
    }
    const total = measured.own.map((value, index) => value + (engine[index] ?? 0));
    figures.push(
      figure(`${label}: CPU of dockerd, containerd, the shims and the commands in the nodes per trace`, 'ms CPU', engine, 'their background over as long subtracted; other users of this Docker engine show as outliers'),
      figure(`${label}: reader cost while tracing, one request every 2 s (everything the read runs)`, '% of one core', total.map((value) => (value / REQUEST_INTERVAL_MS) * 100), 'goal: under 2 %; this process + the Docker engine + the reads in the nodes'),
    );
  }
  return figures;
}

export default async function bench(): Promise<BenchFigure[]> {
  return report([...(await parseCost()), ...(await liveCost())]);
}
