import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { NetworkMap, PacketPath } from '../common/api/cluster.ts';
import { buildPath } from '../node/cluster/packet-path/build-path.ts';
import { parseConntrack } from '../node/cluster/packet-path/conntrack.ts';
import { counterChanges, parseIptablesSave } from '../node/cluster/packet-path/iptables-save.ts';
import { PacketTracer } from '../node/cluster/packet-path/packet-tracer.ts';
import { traceTarget } from '../node/cluster/packet-path/trace-target.ts';
import { DockerLabContainers, listLabContainers } from '../node/env/lab-containers.ts';
import { figure, report, unavailable, type BenchFigure } from './bench-figures.ts';

/**
 * The packet tracer's cost (README, "How the map traces a packet"). At rest it costs nothing: no timer, no
 * reads. A trace reads every node once (iptables-save -c, conntrack -L, then one ip route get), so its cost
 * is per request. Measured two ways: parsing the text captured from the real nodes (this process only), and
 * whole traces on a running Labdeck cluster (LABDECK_BENCH_MAP_ENV, default the test suite's `labdeck-test`;
 * take /tmp/labdeck-cluster.lock first when the cluster is shared), with the CPU of the whole machine
 * (dockerd, runc, iptables-save in the nodes) from /proc/stat. "While tracing" assumes an attendee sending
 * one request every 2 s, faster than anyone types.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../node/cluster/packet-path/fixtures');
const ENV = process.env.LABDECK_BENCH_MAP_ENV ?? 'labdeck-test';
const TRACES = 20;
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

function machineBusyJiffies(stat: string): { busy: number; total: number } {
  const fields = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

async function liveCost(): Promise<BenchFigure[]> {
  const docker = new Docker();
  const nodes = await listLabContainers(docker, ENV).catch(() => []);
  const names = nodes.filter((item) => item.role === 'server' || item.role === 'agent').map((item) => item.node ?? item.name);
  if (names.length === 0) return [unavailable('packet path: one trace on the real cluster', `no running Labdeck environment ${ENV} (LABDECK_BENCH_MAP_ENV)`)];
  const map: NetworkMap = { available: true, updatedAt: '', nodes: names.map((name) => ({ name, role: 'worker', ready: true })), pods: [], services: [] };
  const traced: PacketPath[] = [];
  const tracer = new PacketTracer({ containers: new DockerLabContainers(docker, ENV), map: () => map, emit: (item) => traced.push(item) });
  await tracer.prime();
  const wall: number[] = [];
  const own: number[] = [];
  const machine: number[] = [];
  const hz = 100; // USER_HZ on Linux
  for (let run = 0; run < TRACES; run += 1) {
    const stat = machineBusyJiffies(await readFile('/proc/stat', 'utf8'));
    const cpu = process.cpuUsage();
    const started = performance.now();
    await tracer.trace({ command: 'curl http://10.96.0.10:53/', terminal: 'jumphost' });
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    own.push((used.user + used.system) / 1000);
    const after = machineBusyJiffies(await readFile('/proc/stat', 'utf8'));
    machine.push(((after.busy - stat.busy) / hz) * 1000);
  }
  // The machine's own background (kubelets, etcd, the API server) over the same time, to subtract.
  const quietStart = machineBusyJiffies(await readFile('/proc/stat', 'utf8'));
  const quietMs = wall.reduce((sum, value) => sum + value, 0);
  await new Promise((resolve) => setTimeout(resolve, quietMs));
  const quietEnd = machineBusyJiffies(await readFile('/proc/stat', 'utf8'));
  const backgroundPerTrace = (((quietEnd.busy - quietStart.busy) / hz) * 1000) / TRACES;
  const net = machine.map((value) => Math.max(0, value - backgroundPerTrace));
  tracer.dispose();
  return [
    figure('packet path: one trace on the real cluster, wall time', 'ms', wall, `${names.length} nodes; the map draws the path when it ends (goal: under 2000 ms)`),
    figure('packet path: CPU of this process per trace', 'ms CPU', own),
    figure('packet path: CPU of the whole machine per trace (dockerd, exec, iptables-save, conntrack)', 'ms CPU', net, `background of ${backgroundPerTrace.toFixed(1)} ms per trace subtracted`),
    figure('packet path: reader cost while tracing, one request every 2 s (this process)', '% of one core', own.map((value) => (value / REQUEST_INTERVAL_MS) * 100), 'goal: under 2 %; at rest 0 (no polling)'),
    figure('packet path: reader cost while tracing, one request every 2 s (whole machine)', '% of one core', net.map((value) => (value / REQUEST_INTERVAL_MS) * 100), 'noisy when the cluster is busy: the background is estimated over a separate quiet period'),
  ];
}

export default async function bench(): Promise<BenchFigure[]> {
  return report([...(await parseCost()), ...(await liveCost())]);
}
