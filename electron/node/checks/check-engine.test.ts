import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../common/api/labs.ts';
import { startKubeApiTestDouble } from '../../../e2e/support/kube-api-test-double.ts';
import { CheckEngine } from './check-engine.ts';
import { evaluateCheck } from './evaluate-check.ts';
import { InformerCache } from './informer-cache.ts';
import { LiveWorld } from './live-world.ts';
import { FakeClusterAccess, FakeCommandLog, FakeContainers, waitUntil, writeCourse } from './engine-fixtures.test-support.ts';
import { deployment, engineHarness, lab, laterLab, pod, service } from './check-engine.test-support.ts';

const h = engineHarness();
const { startEngine, latest, settle } = h;

describe('CheckEngine', () => {
  it('judges the step on activation, naming every difference, and attaches the hint', async () => {
    await h.double.setObjects([deployment(3, 2, 'nginx:latest')]);
    const { engine } = await startEngine();
    const results = await engine.activate('9.1', 'deploy');
    const result = results.find((candidate) => candidate.checkId === 'deployment');
    expect(result).toMatchObject({ status: 'failed', message: 'nginx-deployment has 2/3 ready replicas; image is nginx:latest, expected nginx:1.14.2', hint: 'Set replicas to 3 and the image tag to 1.14.2.' });
    expect(results.find((candidate) => candidate.checkId === 'kubectl-pod')).toMatchObject({ status: 'failed', message: 'Pod nginx-kubectl not found in namespace default' });
    expect(engine.watchedKinds()).toEqual(['apps/v1/Deployment', 'v1/Namespace', 'v1/Pod', 'v1/Service']);
  });

  it('turns green by itself after the API event, evaluating at most twice for a burst', async () => {
    await h.double.setObjects([deployment(3, 0)]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    h.evaluations = [];
    for (let ready = 1; ready <= 3; ready++) await h.double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: ready });
    await waitUntil(() => latest('deployment')?.status === 'passed', 'the deployment check to pass');
    await settle();
    // The first event is judged at once, the rest of the burst once when the 50 ms window ends.
    expect(h.evaluations.filter((id) => id === 'deployment').length).toBeLessThanOrEqual(2);
  });

  it('judges a single change without waiting for the window (issue 21)', async () => {
    await h.double.setObjects([deployment(3, 2)]);
    const windowMs = 2000;
    const { catalog, dir } = await writeCourse([lab, laterLab]);
    h.temporary.push(dir);
    const engine = new CheckEngine({
      catalog,
      cluster: new FakeClusterAccess(h.double.kubeconfigPath),
      containers: new FakeContainers(),
      commandLog: new FakeCommandLog(),
      events: { emit: (_name, payload) => h.emitted.push(payload as CheckResult) },
      onResult: () => undefined,
      debounceMs: windowMs,
    });
    h.engine = engine;
    await engine.activate('9.1', 'deploy');
    const started = Date.now();
    await h.double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: 3 });
    await waitUntil(() => latest('deployment')?.status === 'passed', 'the deployment check to pass');
    // A debounce would have held the verdict for the whole 2 s window.
    expect(Date.now() - started).toBeLessThan(windowMs);
  });

  it('re-evaluates only the checks an event can affect, and nothing when nothing changes', async () => {
    await h.double.setObjects([deployment(3, 3)]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    h.evaluations = [];
    await settle();
    expect(h.evaluations).toEqual([]);
    await h.double.upsert(pod('unrelated'));
    await settle();
    expect(h.evaluations).toEqual([]);
    await h.double.upsert(pod('nginx-kubectl'));
    await waitUntil(() => latest('kubectl-pod')?.status === 'passed', 'the pod check to pass');
    // The checks of that very pod, in every step of the open lab (the later step's "is gone" check too).
    expect(h.evaluations.sort()).toEqual(['kubectl-pod', 'kubectl-pod-gone']);
  });

  it('emits a result only when the verdict or message changes', async () => {
    await h.double.setObjects([deployment(3, 3)]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    const before = h.emitted.length;
    await h.double.upsert({ ...deployment(3, 3), metadata: { ...deployment(3, 3).metadata, annotations: { note: 'touched' } } });
    await waitUntil(() => h.evaluations.filter((id) => id === 'deployment').length >= 2, 'a re-evaluation');
    await settle(100);
    expect(h.emitted.length).toBe(before);
  });

  it('keeps once-mode checks passed after the object is gone', async () => {
    await h.double.setObjects([pod('nginx-kubectl')]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    expect(latest('kubectl-pod')).toMatchObject({ status: 'passed', sticky: true });
    await h.double.remove({ kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' });
    await settle();
    // Still passed, and it says the pod is gone now instead of staying plainly green (issue 21).
    expect(engine.results('9.1').find((result) => result.checkId === 'kubectl-pod')).toMatchObject({
      status: 'passed',
      sticky: true,
      noLongerHolds: 'Pod nginx-kubectl not found in namespace default',
    });
    expect(latest('kubectl-pod')).toMatchObject({ status: 'passed', noLongerHolds: expect.stringContaining('not found') });
    await h.double.upsert(pod('nginx-kubectl'));
    await waitUntil(() => latest('kubectl-pod')?.noLongerHolds === undefined, 'the note to go once the pod is back');
    expect(latest('kubectl-pod')).toMatchObject({ status: 'passed', sticky: true });
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
    await h.double.setObjects([deployment(3, 3)]);
    const { engine } = await startEngine({ cluster });
    const results = await engine.activate('9.1', 'deploy');
    expect(results.find((result) => result.checkId === 'deployment')).toMatchObject({ status: 'waiting', message: 'The lab environment is not running — start it from the Start screen' });
    cluster.switchTo(h.double.kubeconfigPath);
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
    await h.double.upsert(service);
    await waitUntil(() => latest('curl-clusterip')?.status === 'passed', 'the probe to pass', 8000);
    expect(containers.execs.at(-1)).toEqual(['curl', '-s', 'http://10.43.0.10/']);
    const runs = containers.execs.length;
    await settle(500);
    expect(containers.execs.length).toBe(runs);
  });

  it('does not probe steps that are not active', async () => {
    const containers = new FakeContainers();
    await h.double.setObjects([service]);
    const { engine } = await startEngine({ containers });
    const results = await engine.activate('9.1', 'deploy');
    await settle();
    expect(containers.execs).toEqual([]);
    expect(results.find((result) => result.checkId === 'curl-clusterip')).toMatchObject({ status: 'waiting', message: expect.stringMatching(/^Checked once you open this step/) });
    await engine.activate('9.1', 'curl');
    await engine.activate('9.1', 'deploy');
    await settle();
    const probes = containers.execs.length;
    await h.double.upsert({ ...service, metadata: { ...service.metadata, labels: { touched: 'yes' } } });
    await settle();
    expect(containers.execs.length).toBe(probes);
  });

  it('cleanup deletes exactly the step cleanup objects', async () => {
    await h.double.setObjects([deployment(3, 3), pod('nginx-kubectl'), service]);
    const { engine } = await startEngine();
    const { deleted } = await engine.cleanup('9.1', 'deploy');
    expect(deleted).toEqual([{ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }]);
    expect(h.double.objects().map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(['Pod/nginx-kubectl', 'Service/nginx']);
    expect(await engine.cleanup('9.1', 'deploy')).toEqual({ deleted: [] });
  });
});

describe('pod probes', () => {
  it('run in the pod through the Kubernetes exec API and report its exit code and output', async () => {
    await h.double.setObjects([pod('alpine'), service]);
    const seen: string[][] = [];
    h.double.onExec(({ pod: name, command }) => {
      seen.push([name, ...command]);
      return command.includes('nginx.default.svc.cluster.local') ? { exitCode: 0, output: 'Name: nginx.default.svc.cluster.local\nAddress: 10.43.0.10\n' } : { exitCode: 1, output: "** server can't find nope: NXDOMAIN\n" };
    });
    const cluster = new FakeClusterAccess(h.double.kubeconfigPath);
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
      context: false,
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
    await h.double.setObjects([deployment(3, 2)]);
    const kubeconfigDir = await mkdtemp(path.join(tmpdir(), 'labdeck-engine-kc-'));
    h.temporary.push(kubeconfigDir);
    const kubeconfig = await h.double.writeKubeconfig(kubeconfigDir);
    const { engine } = await startEngine({ cluster: new FakeClusterAccess(kubeconfig) });
    await engine.activate('9.1', 'deploy');
    expect(latest('deployment')?.status).toBe('failed');
    const port = Number(new URL(h.double.url).port);
    await h.double.stop();
    await waitUntil(() => latest('deployment')?.status === 'waiting', 'the check to wait for the cluster', 8000);
    expect(latest('deployment')?.message).toMatch(/^Waiting for the cluster: cannot watch Deployment objects/);
    h.double = await startKubeApiTestDouble({ port, objects: [deployment(3, 3)] });
    await waitUntil(() => latest('deployment')?.status === 'passed', 'the check to pass after the API server is back', 15_000);
  }, 30_000);
});

