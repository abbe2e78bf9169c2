import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerTestBlocker, uniqueSuffix } from '../../electron/node/env/test-docker.ts';
import { DataplaneHarness } from './harness.ts';
import { HARNESS_IMAGES } from './images.ts';
import { cloneWorld, findPod, findService } from './world.ts';
import { workshopWorld } from './workshop-world.ts';

/**
 * A Service whose endpoint runs on the client's own node. In k3s the pods of a node share flannel's cni0
 * bridge, and bridged traffic still passes the node's iptables (br_netfilter), so the reply of a DNATed
 * request is translated back and the client sees the Service's address answer. The live mirror lets the
 * real scheduler place pods, so alpine lands beside CoreDNS or nginx whenever the scheduler says so.
 */
const { docker, reason } = await dockerTestBlocker(HARNESS_IMAGES);
if (reason) console.warn(`[skip] same-node service traffic: ${reason}`);

const world = cloneWorld(workshopWorld());
// alpine beside CoreDNS on master1, and the only nginx endpoint there too. (No `wget -T`: Debian's static
// busybox 1.35 crashes on it.)
const alpine = findPod(world, 'default', 'alpine');
alpine.node = 'master1';
alpine.ip = '10.244.0.9';
const nginx = findPod(world, 'default', 'nginx');
nginx.node = 'master1';
nginx.ip = '10.244.0.8';
const service = findService(world, 'default', 'nginx');
service.endpoints = [nginx.ip];

describe.skipIf(reason !== null)('Service traffic to an endpoint on the client pod\'s own node', () => {
  let harness: DataplaneHarness;
  beforeAll(async () => {
    harness = await DataplaneHarness.start(docker, world, { envName: `dataplane-${uniqueSuffix()}` });
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('resolves kube-dns through its ClusterIP when CoreDNS runs on the same node', async () => {
    const outcome = await harness.exec({ pod: { namespace: 'default', name: 'alpine' } }, ['nslookup', 'kube-dns.kube-system.svc.cluster.local'], { timeoutMs: 20_000 });
    expect(outcome.output).toContain('10.96.0.10');
    expect(outcome.exitCode).toBe(0);
  });

  it('reaches nginx through its ClusterIP when its only endpoint is on the same node, seen from the pod address', async () => {
    const outcome = await harness.exec({ pod: { namespace: 'default', name: 'alpine' } }, ['wget', '-q', '-O', '-', `http://${service.clusterIP}/`], { timeoutMs: 20_000 });
    expect(outcome.output, JSON.stringify(outcome)).toContain('Welcome to nginx');
    expect(outcome.exitCode).toBe(0);
    const lastRequest = (await harness.podLogs('default', 'nginx')).trim().split('\n').filter((line) => line.includes('GET /')).at(-1) ?? '';
    expect(lastRequest.split(' ')[0]).toBe(alpine.ip);
  });
});
