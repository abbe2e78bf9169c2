import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDockerClient } from '../node/env/docker-client.ts';
import { startStandaloneJumphost } from '../node/env/standalone-jumphost.ts';
import { JUMPHOST_IMAGE } from '../node/env/versions.ts';
import { figure, report, unavailable, type BenchFigure } from './bench-figures.ts';

/**
 * Provisioning: Labdeck's own Docker calls (dockerode, as `env up` makes them) against the docker CLI doing
 * the same work, on the part of the lab that involves no Kubernetes: the lab network plus a started jumphost
 * (`env up --jumphost-only`), so the figure is Labdeck's overhead alone, not kubeadm's. The CLI side runs
 * `docker network create`, `docker create`, `docker start` (Labdeck also copies the jumphost's few files in,
 * so the ratio slightly favours the CLI). Runs alternate, each on its own subnet.
 */

const RUNS = Number(process.env.LABDECK_BENCH_RUNS ?? 5);
const run = promisify(execFile);

function addresses(octet: number) {
  return { subnet: `10.${octet}.79.0/24`, gateway: `10.${octet}.79.1`, ipRange: `10.${octet}.79.128/25`, ip: `10.${octet}.79.5` };
}

async function viaLabdeck(octet: number): Promise<number> {
  const name = `labdeck-bench-prov-${randomBytes(3).toString('hex')}`;
  const started = performance.now();
  const jumphost = await startStandaloneJumphost(createDockerClient(), { name, network: name, ...addresses(octet) });
  const ms = performance.now() - started;
  await jumphost.cleanup();
  return ms;
}

async function viaCli(octet: number): Promise<number> {
  const name = `labdeck-bench-cli-${randomBytes(3).toString('hex')}`;
  const { subnet, gateway, ipRange, ip } = addresses(octet);
  const started = performance.now();
  try {
    await run('docker', ['network', 'create', '--subnet', subnet, '--gateway', gateway, '--ip-range', ipRange, name]);
    await run('docker', ['create', '--name', name, '--hostname', 'jumphost', '--network', name, '--ip', ip, '--cap-add', 'NET_ADMIN', JUMPHOST_IMAGE]);
    await run('docker', ['start', name]);
    return performance.now() - started;
  } finally {
    await run('docker', ['rm', '-f', '-v', name]).catch(() => undefined);
    await run('docker', ['network', 'rm', name]).catch(() => undefined);
  }
}

export default async function benchProvisioning(): Promise<BenchFigure[]> {
  const name = 'provisioning (network + started jumphost), Labdeck / docker CLI';
  try {
    await createDockerClient().ping();
    await run('docker', ['version', '--format', '{{.Client.Version}}']);
    const images = await createDockerClient().listImages({ filters: { reference: [JUMPHOST_IMAGE] } });
    if (images.length === 0) return report([unavailable(name, `image ${JUMPHOST_IMAGE} is missing (bash .ci/run builds it)`)]);
  } catch (error) {
    return report([unavailable(name, `no Docker engine or docker CLI here (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`)]);
  }
  const labdeck: number[] = [];
  const cli: number[] = [];
  const octet = 150 + (randomBytes(1)[0]! % 50);
  await viaCli(octet); // pulls nothing, but warms the engine's caches; not counted
  for (let index = 0; index < RUNS; index++) {
    if (index % 2 === 0) {
      labdeck.push(await viaLabdeck(octet));
      cli.push(await viaCli(octet));
    } else {
      cli.push(await viaCli(octet));
      labdeck.push(await viaLabdeck(octet));
    }
  }
  const ratios = labdeck.map((ms, index) => Number((ms / (cli[index] ?? Number.NaN)).toFixed(2)));
  return report([
    figure('provisioning via Labdeck (dockerode)', 'ms', labdeck.map(Math.round)),
    figure('provisioning via docker CLI', 'ms', cli.map(Math.round)),
    figure(name, 'x', ratios, 'pairwise per run; network and jumphost only, no cluster'),
  ]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchProvisioning();
