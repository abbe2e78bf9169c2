import fs from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClusterService } from '../../electron/node/cluster/cluster-service.ts';
import type { EnvironmentService } from '../../electron/node/env/environment-service.ts';
import { listLabContainers } from '../../electron/node/env/lab-containers.ts';
import { LabdeckError } from '../../electron/common/errors.ts';
import { createTestService, run, TEST_ENV_NAME } from './test-cluster.ts';

/**
 * The environment's lifecycle on the real cluster, through the product's EnvironmentService: resume after
 * Docker restarts one node or every container, a node killed while `up` runs, reset, down, and a lab
 * manifest applied from the editor reaching Running. The file leaves a fresh, ready cluster behind.
 */
const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();

async function labContainerNames(): Promise<string[]> {
  return (await listLabContainers(docker, TEST_ENV_NAME)).map((container) => container.name).sort();
}

/** Pod nginx-restart on worker1 answering curl from the jumphost: the data plane across a node. */
async function nginxOnWorker1Answers(): Promise<string> {
  const ip = (await run(docker, 'jumphost', "kubectl get pod web-worker1 -o jsonpath='{.status.podIP}'")).output.trim();
  return (await run(docker, 'jumphost', `curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://${ip}/`)).output;
}

describe.skipIf(unavailable)(`the environment's lifecycle on the real cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let service: EnvironmentService;

  beforeAll(async () => {
    service = createTestService(docker);
    const pod = await run(docker, 'jumphost', `kubectl run web-worker1 --image=nginx --overrides='{"spec":{"nodeName":"worker1"}}' && kubectl wait --for=condition=Ready pod/web-worker1 --timeout=120s`);
    expect(pod.exitCode, pod.output).toBe(0);
  });

  afterAll(async () => {
    await service?.dispose();
  });

  it('applies a lab manifest from the editor and the pod reaches Running on a worker', async () => {
    const manifest = await fs.readFile(path.join(import.meta.dirname, '../../labs/1.2-yaml-and-pods/manifests/nginx-pod.yaml'), 'utf8');
    const editor = new ClusterService({ cluster: service.clusterAccess, events: { emit: () => undefined } });
    try {
      const outcome = await editor.apply(manifest);
      expect(outcome.ok, JSON.stringify(outcome.problems)).toBe(true);
      const name = outcome.objects[0]?.name ?? '';
      const wait = await run(docker, 'jumphost', `kubectl wait --for=condition=Ready pod/${name} --timeout=120s && kubectl get pod ${name} -o jsonpath='{.status.phase} {.spec.nodeName}'`);
      expect(wait.exitCode, wait.output).toBe(0);
      expect(wait.output).toMatch(/Running worker[12]$/);
      await run(docker, 'jumphost', `kubectl delete pod ${name} --wait=false`);
    } finally {
      await editor.dispose();
    }
  });

  it('resumes after `docker restart worker1`: the node is Ready again and its pod answers', async () => {
    await docker.getContainer('worker1').restart({ t: 5 });
    const status = await service.up();
    expect(status.state).toBe('running');
    const ready = await run(docker, 'jumphost', 'kubectl wait --for=condition=Ready node/worker1 pod/web-worker1 --timeout=180s');
    expect(ready.exitCode, ready.output).toBe(0);
    expect(await nginxOnWorker1Answers()).toBe('200');
  });

  it('resumes after every lab container was restarted (as after a Docker or laptop restart)', async () => {
    const containers = await listLabContainers(docker, TEST_ENV_NAME);
    await Promise.all(containers.map((container) => docker.getContainer(container.id).restart({ t: 5 })));
    const status = await service.up();
    expect(status.state).toBe('running');
    const ready = await run(docker, 'jumphost', 'kubectl wait --for=condition=Ready nodes --all --timeout=180s && kubectl wait --for=condition=Ready pod/web-worker1 --timeout=180s');
    expect(ready.exitCode, ready.output).toBe(0);
    expect(await nginxOnWorker1Answers()).toBe('200');
    // The registry mirror lost its manifests with its process; up pushed them again, so pulls still work.
    const pull = await run(docker, 'jumphost', 'kubectl run after-restart --image=nginx:1.14.2 && kubectl wait --for=condition=Ready pod/after-restart --timeout=120s');
    expect(pull.exitCode, pull.output).toBe(0);
  });

  it('resets to a fresh cluster: the old objects are gone, the guide facts hold again', async () => {
    const status = await service.reset();
    expect(status.state).toBe('running');
    const pods = await run(docker, 'jumphost', 'kubectl get pods --no-headers');
    expect(pods.output).not.toContain('web-worker1');
    expect(await labContainerNames()).toEqual(['jumphost', 'master1', 'registry', 'verifier', 'worker1', 'worker2']);
  });

  it('carries on after a worker is killed during `up`, or fails saying what to do', async () => {
    await service.down();
    expect(await labContainerNames()).toEqual([]);
    let killed = false;
    const events = { emit: (name: string, payload: unknown) => {
      const progress = payload as { phase?: string; node?: string };
      if (!killed && name === 'env.progress' && progress.phase === 'join' && progress.node === 'worker2') {
        killed = true;
        void docker.getContainer('worker2').kill().catch(() => undefined);
      }
    } };
    const interrupted = createTestService(docker, events);
    try {
      const first = await interrupted.up().then(() => null, (error: unknown) => error);
      expect(killed).toBe(true);
      if (first !== null) {
        expect(first).toBeInstanceOf(LabdeckError);
        expect((first as LabdeckError).action).toMatch(/labdeck env (up|reset)/);
      }
      const status = await interrupted.up();
      expect(status.state).toBe('running');
      const nodes = await run(docker, 'jumphost', 'kubectl get nodes --no-headers');
      expect(nodes.output.trim().split('\n').map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual(['master1 Ready', 'worker1 Ready', 'worker2 Ready']);
    } finally {
      await interrupted.dispose();
    }
  });

  it('down removes exactly what carries the environment label and leaves other containers alone', async () => {
    const bystander = await docker.createContainer({ Image: 'labdeck/debian-base:bookworm', Cmd: ['sleep', '600'], name: `bystander-${Date.now()}` });
    try {
      await bystander.start();
      await service.down();
      expect(await labContainerNames()).toEqual([]);
      const networks = await docker.listNetworks({ filters: { label: [`dev.labdeck.env=${TEST_ENV_NAME}`] } });
      expect(networks).toEqual([]);
      const volumes = await docker.listVolumes({ filters: { label: [`dev.labdeck.env=${TEST_ENV_NAME}`] } });
      expect(volumes.Volumes ?? []).toEqual([]);
      expect((await bystander.inspect()).State.Running).toBe(true);
    } finally {
      await bystander.remove({ force: true });
      // The global teardown expects a cluster to take down; later files in this run expect one to use.
      await service.up();
    }
  });
});
