import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../common/api/labs.ts';
import { startKubeApiTestDouble, type KubeApiTestDouble } from '../../../e2e/support/kube-api-test-double.ts';
import { CheckEngine } from './check-engine.ts';
import type { EvaluateCheck } from './check-world.ts';
import { evaluateCheck } from './evaluate-check.ts';
import { InformerCache } from './informer-cache.ts';
import { LiveWorld } from './live-world.ts';
import { FakeClusterAccess, FakeCommandLog, FakeContainers, waitUntil, writeCourse } from './engine-fixtures.test-support.ts';

const deployment = (replicas: number, ready: number, image = 'nginx:1.14.2') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
  spec: { replicas, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image }] } } },
  status: { readyReplicas: ready },
});
const pod = (name: string, namespace = 'default') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels: { run: name } },
  spec: { containers: [{ name, image: 'nginx' }] },
  status: { phase: 'Running', podIP: '10.42.1.5' },
});
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '10.43.0.10', ports: [{ port: 80 }] } };

const lab = {
  id: '9.1',
  slug: 'engine',
  title: 'Engine lab',
  summary: 'A lab for the engine tests.',
  objectives: ['Test the engine'],
  durationMinutes: 5,
  steps: [
    {
      id: 'deploy',
      title: 'Deploy',
      hints: [{ text: 'Set replicas to 3 and the image tag to 1.14.2.', forCheck: 'deployment' }],
      cleanup: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }],
      checks: [
        {
          id: 'deployment',
          title: 'nginx-deployment runs 3 ready nginx:1.14.2 pods',
          kind: 'resource' as const,
          mode: 'holds' as const,
          absent: false,
          select: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' },
          assert: [
            { that: 'object.?status.?readyReplicas.orValue(0) == object.spec.replicas && object.spec.replicas == 3', message: 'nginx-deployment has {{object.?status.?readyReplicas.orValue(0)}}/3 ready replicas' },
            { that: 'object.spec.template.spec.containers.all(c, c.image == "nginx:1.14.2")', message: 'image is {{object.spec.template.spec.containers.map(c, c.image)}}, expected nginx:1.14.2' },
          ],
          assertAll: [],
        },
        {
          id: 'kubectl-pod',
          title: 'Pod nginx-kubectl exists (once)',
          kind: 'resource' as const,
          mode: 'once' as const,
          absent: false,
          select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' },
          assert: [],
          assertAll: [],
        },
        { id: 'ran-apply', title: 'You applied the manifest', kind: 'command' as const, mode: 'once' as const, pattern: '^kubectl apply -f', exitCode: 0 },
      ],
    },
    {
      id: 'curl',
      title: 'Curl the ClusterIP',
      checks: [
        {
          id: 'curl-clusterip',
          title: 'The ClusterIP answers',
          kind: 'probe' as const,
          mode: 'holds' as const,
          in: { verifier: true as const },
          command: ['curl', '-s', 'http://${service:default/nginx}.spec.clusterIP/'],
          expect: { exitCode: 0, assert: [{ that: 'output.contains("Welcome to nginx")', message: 'the ClusterIP answered "{{output}}"' }] },
          timeoutSeconds: 5,
        },
      ],
    },
  ],
};

let double: KubeApiTestDouble;
let engine: CheckEngine | undefined;
let emitted: CheckResult[];
let evaluations: string[];
const temporary: string[] = [];

async function startEngine(options: { cluster?: FakeClusterAccess; containers?: FakeContainers; commands?: FakeCommandLog; backoff?: number[] } = {}) {
  const { catalog, dir } = await writeCourse(lab);
  temporary.push(dir);
  const counting: EvaluateCheck = (check, world, context) => {
    evaluations.push(check.id);
    return evaluateCheck(check, world, context);
  };
  const cluster = options.cluster ?? new FakeClusterAccess(double.kubeconfigPath);
  const containers = options.containers ?? new FakeContainers();
  const commands = options.commands ?? new FakeCommandLog();
  engine = new CheckEngine({
    catalog,
    cluster,
    containers,
    commandLog: commands,
    events: { emit: (_name, payload) => emitted.push(payload as CheckResult) },
    onResult: () => undefined,
    evaluate: counting,
    debounceMs: 50,
    probeBackoffMs: options.backoff ?? [100, 200],
  });
  return { engine, cluster, containers, commands };
}

const latest = (checkId: string) => emitted.filter((result) => result.checkId === checkId).at(-1);
const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(async () => {
  double = await startKubeApiTestDouble();
  emitted = [];
  evaluations = [];
});

afterEach(async () => {
  await engine?.dispose();
  engine = undefined;
  await double.stop();
  for (const dir of temporary.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('CheckEngine', () => {
  it('judges the step on activation, naming every difference, and attaches the hint', async () => {
    await double.setObjects([deployment(3, 2, 'nginx:latest')]);
    const { engine } = await startEngine();
    const results = await engine.activate('9.1', 'deploy');
    const result = results.find((candidate) => candidate.checkId === 'deployment');
    expect(result).toMatchObject({ status: 'failed', message: 'nginx-deployment has 2/3 ready replicas; image is nginx:latest, expected nginx:1.14.2', hint: 'Set replicas to 3 and the image tag to 1.14.2.' });
    expect(results.find((candidate) => candidate.checkId === 'kubectl-pod')).toMatchObject({ status: 'failed', message: 'Pod nginx-kubectl not found in namespace default' });
    expect(engine.watchedKinds()).toEqual(['apps/v1/Deployment', 'v1/Pod', 'v1/Service']);
  });

  it('turns green by itself after the API event, evaluating once for a burst', async () => {
    await double.setObjects([deployment(3, 0)]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    evaluations = [];
    for (let ready = 1; ready <= 3; ready++) await double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: ready });
    await waitUntil(() => latest('deployment')?.status === 'passed', 'the deployment check to pass');
    await settle();
    expect(evaluations.filter((id) => id === 'deployment')).toEqual(['deployment']);
  });

  it('re-evaluates only the checks an event can affect, and nothing when nothing changes', async () => {
    await double.setObjects([deployment(3, 3)]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    evaluations = [];
    await settle();
    expect(evaluations).toEqual([]);
    await double.upsert(pod('unrelated'));
    await settle();
    expect(evaluations).toEqual([]);
    await double.upsert(pod('nginx-kubectl'));
    await waitUntil(() => latest('kubectl-pod')?.status === 'passed', 'the pod check to pass');
    expect(evaluations).toEqual(['kubectl-pod']);
  });

  it('emits a result only when the verdict or message changes', async () => {
    await double.setObjects([deployment(3, 3)]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    const before = emitted.length;
    await double.upsert({ ...deployment(3, 3), metadata: { ...deployment(3, 3).metadata, annotations: { note: 'touched' } } });
    await waitUntil(() => evaluations.filter((id) => id === 'deployment').length >= 2, 'a re-evaluation');
    await settle(100);
    expect(emitted.length).toBe(before);
  });

  it('keeps once-mode checks passed after the object is gone', async () => {
    await double.setObjects([pod('nginx-kubectl')]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    expect(latest('kubectl-pod')).toMatchObject({ status: 'passed', sticky: true });
    await double.remove({ kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' });
    await settle();
    expect(engine.results('9.1').find((result) => result.checkId === 'kubectl-pod')).toMatchObject({ status: 'passed', sticky: true });
  });

  it('checks commands on each new record', async () => {
    const { engine, commands } = await startEngine();
    await engine.activate('9.1', 'deploy');
    expect(latest('ran-apply')).toMatchObject({ status: 'failed' });
    commands.ran('kubectl apply -f nginx-deployment.yaml', 1);
    await waitUntil(() => latest('ran-apply')?.message.includes('exited with code 1') === true, 'the exit code complaint');
    commands.ran('kubectl apply -f nginx-deployment.yaml');
    await waitUntil(() => latest('ran-apply')?.status === 'passed', 'the command check to pass');
  });

  it('waits for the environment, then starts when the cluster appears', async () => {
    const cluster = new FakeClusterAccess(null);
    await double.setObjects([deployment(3, 3)]);
    const { engine } = await startEngine({ cluster });
    const results = await engine.activate('9.1', 'deploy');
    expect(results.find((result) => result.checkId === 'deployment')).toMatchObject({ status: 'waiting', message: 'The lab environment is not running — start it from the Start screen' });
    cluster.switchTo(double.kubeconfigPath);
    await waitUntil(() => latest('deployment')?.status === 'passed', 'the check to pass on the new cluster');
  });

  it('probes the active step with resolved references, retrying with backoff until it passes', async () => {
    const containers = new FakeContainers();
    let answers = 0;
    containers.answer = (argv) => {
      answers++;
      return answers < 3 ? { exitCode: 7, output: 'curl: (7) Failed to connect' } : { exitCode: 0, output: `<title>Welcome to nginx!</title> from ${argv[2]}` };
    };
    const { engine } = await startEngine({ containers });
    await engine.activate('9.1', 'curl');
    await waitUntil(() => latest('curl-clusterip') !== undefined, 'the first probe result');
    expect(latest('curl-clusterip')).toMatchObject({ status: 'failed', message: 'The ClusterIP answers: Service default/nginx does not exist' });
    expect(containers.execs).toEqual([]);
    await double.upsert(service);
    await waitUntil(() => latest('curl-clusterip')?.status === 'passed', 'the probe to pass', 8000);
    expect(containers.execs.at(-1)).toEqual(['curl', '-s', 'http://10.43.0.10/']);
    const runs = containers.execs.length;
    await settle(500);
    expect(containers.execs.length).toBe(runs);
  });

  it('does not probe steps that are not active', async () => {
    const containers = new FakeContainers();
    await double.setObjects([service]);
    const { engine } = await startEngine({ containers });
    const results = await engine.activate('9.1', 'deploy');
    await settle();
    expect(containers.execs).toEqual([]);
    expect(results.find((result) => result.checkId === 'curl-clusterip')).toMatchObject({ status: 'waiting', message: 'Checked while this step is the active one' });
  });

  it('cleanup deletes exactly the step cleanup objects', async () => {
    await double.setObjects([deployment(3, 3), pod('nginx-kubectl'), service]);
    const { engine } = await startEngine();
    const { deleted } = await engine.cleanup('9.1', 'deploy');
    expect(deleted).toEqual([{ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }]);
    expect(double.objects().map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(['Pod/nginx-kubectl', 'Service/nginx']);
    expect(await engine.cleanup('9.1', 'deploy')).toEqual({ deleted: [] });
  });
});

describe('pod probes', () => {
  it('run in the pod through the Kubernetes exec API and report its exit code and output', async () => {
    await double.setObjects([pod('alpine'), service]);
    const seen: string[][] = [];
    double.onExec(({ pod: name, command }) => {
      seen.push([name, ...command]);
      return command.includes('nginx.default.svc.cluster.local') ? { exitCode: 0, output: 'Name: nginx.default.svc.cluster.local\nAddress: 10.43.0.10\n' } : { exitCode: 1, output: "** server can't find nope: NXDOMAIN\n" };
    });
    const cluster = new FakeClusterAccess(double.kubeconfigPath);
    const kubeConfig = await cluster.kubeConfig();
    if (!kubeConfig) throw new Error('no kubeconfig');
    const informers = new InformerCache(kubeConfig, () => undefined);
    await informers.watch([{ apiVersion: 'v1', kind: 'Service' }]);
    const world = new LiveWorld({ informers, kubeConfig, containers: new FakeContainers(), commandLog: new FakeCommandLog() });
    const lookup = {
      id: 'lookup',
      title: 'nslookup returns the Service IP',
      kind: 'probe' as const,
      mode: 'holds' as const,
      in: { pod: { namespace: 'default', name: 'alpine' } },
      command: ['nslookup', 'nginx.default.svc.cluster.local'],
      expect: { exitCode: 0, assert: [{ that: 'output.contains("10.43.0.10")', message: 'nslookup said {{output}}' }] },
      timeoutSeconds: 5,
    };
    expect(await evaluateCheck(lookup, world, { labId: '9.1', stepId: 'curl' })).toMatchObject({ status: 'passed', evidence: expect.objectContaining({ exitCode: 0 }) });
    const wrong = await evaluateCheck({ ...lookup, command: ['nslookup', 'nope'] }, world, { labId: '9.1', stepId: 'curl' });
    expect(wrong).toMatchObject({ status: 'failed', evidence: expect.objectContaining({ exitCode: 1 }) });
    expect(wrong.message).toContain('exited with code 1, expected 0');
    expect(seen).toEqual([
      ['alpine', 'nslookup', 'nginx.default.svc.cluster.local'],
      ['alpine', 'nslookup', 'nope'],
    ]);
    await informers.stop();
  });
});

describe('when the API server goes away', () => {
  it('reports waiting, then recovers by itself when it is back', async () => {
    await double.setObjects([deployment(3, 2)]);
    const kubeconfigDir = await mkdtemp(path.join(tmpdir(), 'labdeck-engine-kc-'));
    temporary.push(kubeconfigDir);
    const kubeconfig = await double.writeKubeconfig(kubeconfigDir);
    const { engine } = await startEngine({ cluster: new FakeClusterAccess(kubeconfig) });
    await engine.activate('9.1', 'deploy');
    expect(latest('deployment')?.status).toBe('failed');
    const port = Number(new URL(double.url).port);
    await double.stop();
    await waitUntil(() => latest('deployment')?.status === 'waiting', 'the check to wait for the cluster', 8000);
    expect(latest('deployment')?.message).toMatch(/^Waiting for the cluster: cannot watch Deployment objects/);
    double = await startKubeApiTestDouble({ port, objects: [deployment(3, 3)] });
    await waitUntil(() => latest('deployment')?.status === 'passed', 'the check to pass after the API server is back', 15_000);
  }, 30_000);
});
