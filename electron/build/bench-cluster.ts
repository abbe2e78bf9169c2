import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { execCollect } from '../node/env/docker-exec.ts';
import { EnvironmentService } from '../node/env/environment-service.ts';
import { listLabContainers } from '../node/env/lab-containers.ts';
import { NODE_IMAGE } from '../node/env/versions.ts';
import { figure, report, unavailable, type BenchFigure } from './bench-figures.ts';

/**
 * The real kubeadm cluster: `env up` with every image present, until every lab is usable (nodes Ready,
 * CoreDNS, kube-proxy and flannel available, pod routes in place, the jumphost's kubectl answering); resume
 * after every lab container was restarted (as after a Docker or laptop restart); and the memory of the three
 * nodes at rest. Uses the guide's 10.1.1.0/24 without masquerade, so nothing else may use that subnet
 * meanwhile; it refuses to start when any Labdeck environment exists on the engine.
 */
const RUNS = Number(process.env.LABDECK_BENCH_CLUSTER_RUNS ?? 3);
const SETTLE_MS = 30_000;
const docker = new Docker();

/** When each phase of the running operation was first reported, from the env.progress events' timestamps. */
const phaseStarts = new Map<string, number>();

function service(): EnvironmentService {
  return new EnvironmentService({
    events: {
      emit: (name: string, payload: unknown) => {
        const progress = payload as { phase?: string; at?: string };
        if (name === 'env.progress' && progress.phase && progress.at && !phaseStarts.has(progress.phase)) phaseStarts.set(progress.phase, Date.parse(progress.at));
      },
    },
    dataDir: path.join(os.tmpdir(), 'labdeck-bench-cluster'),
    config: { name: 'labdeck-bench', network: { masquerade: false } },
    docker,
    allowPull: false,
  });
}

async function jumphostAnswers(): Promise<void> {
  const [jumphost] = await listLabContainers(docker, 'labdeck-bench', 'jumphost');
  const outcome = await execCollect(docker, jumphost?.id ?? '', ['kubectl', 'get', 'nodes'], { timeoutMs: 30_000, user: 'ubuntu' });
  if (outcome.exitCode !== 0) throw new Error(`kubectl on the jumphost failed: ${outcome.output}`);
}

/** Memory the node containers use, without the page cache (what `docker stats` shows), in MiB. */
async function nodeMemoryMiB(): Promise<number> {
  let total = 0;
  for (const role of ['server', 'agent'] as const) {
    for (const container of await listLabContainers(docker, 'labdeck-bench', role)) {
      const stats = (await docker.getContainer(container.id).stats({ stream: false })) as { memory_stats: { usage?: number; stats?: Record<string, number> } };
      const { usage = 0, stats: detail = {} } = stats.memory_stats;
      total += usage - (detail.total_inactive_file ?? detail.inactive_file ?? detail.cache ?? 0);
    }
  }
  return total / 1024 ** 2;
}

export default async function benchCluster(): Promise<BenchFigure[]> {
  const names = { up: 'env up to every lab usable (images present)', resume: 'resume after every lab container restarted', memory: 'memory of the three nodes at rest' };
  try {
    await docker.ping();
    await docker.getImage(NODE_IMAGE).inspect();
  } catch {
    return report(Object.values(names).map((name) => unavailable(name, `no Docker engine or no ${NODE_IMAGE} (bash .ci/prepare-images.sh builds it)`)));
  }
  const others = (await docker.listContainers({ all: true, filters: { label: ['dev.labdeck.managed=true'] } })).filter((container) => container.Labels['dev.labdeck.role'] !== 'probe');
  if (others.length > 0) {
    return report(Object.values(names).map((name) => unavailable(name, 'a Labdeck environment exists on this engine; `labdeck env down` it first (the bench needs 10.1.1.0/24 to itself)')));
  }
  const phases = new Map<string, number[]>();
  const notePhases = (end: number) => {
    const ordered = [...phaseStarts].sort((a, b) => a[1] - b[1]);
    ordered.forEach(([phase, start], index) => {
      const next = ordered[index + 1]?.[1] ?? end;
      phases.set(phase, [...(phases.get(phase) ?? []), Math.round((next - start) / 100) / 10]);
    });
    phaseStarts.clear();
  };
  const up: number[] = [];
  const resume: number[] = [];
  const memory: number[] = [];
  const env = service();
  try {
    for (let index = 0; index < RUNS; index++) {
      phaseStarts.clear();
      let started = performance.now();
      await env.up();
      await jumphostAnswers();
      up.push(Math.round((performance.now() - started) / 100) / 10);
      notePhases(Date.now());
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      memory.push(Math.round(await nodeMemoryMiB()));
      const containers = await listLabContainers(docker, 'labdeck-bench');
      await Promise.all(containers.map((container) => docker.getContainer(container.id).restart({ t: 5 })));
      started = performance.now();
      phaseStarts.clear();
      await env.up();
      await jumphostAnswers();
      resume.push(Math.round((performance.now() - started) / 100) / 10);
      phaseStarts.clear();
      await env.down();
    }
  } finally {
    await env.down().catch(() => undefined);
    await env.dispose();
  }
  return report([
    figure(names.up, 's', up, 'from nothing but the images to the jumphost answering kubectl'),
    figure(names.resume, 's', resume, 'docker restart of every lab container, then env up'),
    figure(names.memory, 'MiB', memory, `${SETTLE_MS / 1000} s after up, page cache excluded`),
    ...[...phases].map(([phase, runs]) => figure(`env up phase ${phase}`, 's', runs, 'from its first progress event to the next phase\'s')),
  ]);
}
