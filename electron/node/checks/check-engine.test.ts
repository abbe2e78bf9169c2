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
import { EvidenceJournal } from '../progress/evidence-journal.ts';
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
    {
      id: 'expose',
      title: 'Expose nginx',
      checks: [
        { id: 'default-ns', title: 'Namespace default exists', kind: 'resource' as const, context: true, select: { apiVersion: 'v1', kind: 'Namespace', name: 'default' }, assert: [{ that: 'true', message: 'x' }] },
        { id: 'service-exists', title: 'Service nginx exists', kind: 'resource' as const, select: { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'nginx' }, assert: [{ that: 'true', message: 'x' }] },
        { id: 'ran-expose', title: 'You exposed nginx', kind: 'command' as const, mode: 'once' as const, pattern: '^kubectl expose', exitCode: 0 },
        { id: 'ran-apply-in-lab', title: 'You applied something in this lab', kind: 'command' as const, mode: 'once' as const, since: 'lab' as const, pattern: '^kubectl apply -f', exitCode: 0 },
      ],
    },
    {
      id: 'delete',
      title: 'Delete the pod',
      checks: [
        { id: 'kubectl-pod-gone', title: 'Pod nginx-kubectl is gone', kind: 'resource' as const, absent: true, select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' } },
        // A guard: no earlier step asks for a pod "debug", so nothing matching is simply right.
        { id: 'no-debug-pod', title: 'No pod debug', kind: 'resource' as const, absent: true, select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'debug' } },
      ],
    },
  ],
};

/** A later lab with the same command check: nothing typed in lab 9.1 may count for it. */
const laterLab = {
  id: '9.2',
  slug: 'later',
  title: 'Later lab',
  summary: 'Another lab.',
  objectives: ['Test evidence scoping'],
  durationMinutes: 5,
  steps: [{ id: 'apply-again', title: 'Apply again', checks: [{ id: 'ran-apply', title: 'You applied the manifest', kind: 'command' as const, mode: 'once' as const, pattern: '^kubectl apply -f', exitCode: 0 }] }],
};

let double: KubeApiTestDouble;
let engine: CheckEngine | undefined;
let emitted: CheckResult[];
let evaluations: string[];
const temporary: string[] = [];

async function startEngine(options: { cluster?: FakeClusterAccess; containers?: FakeContainers; commands?: FakeCommandLog; backoff?: number[]; journal?: EvidenceJournal } = {}) {
  const { catalog, dir } = await writeCourse([lab, laterLab]);
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
    ...(options.journal ? { journal: options.journal } : {}),
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
    expect(engine.watchedKinds()).toEqual(['apps/v1/Deployment', 'v1/Namespace', 'v1/Pod', 'v1/Service']);
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
    expect(results.find((result) => result.checkId === 'curl-clusterip')).toMatchObject({ status: 'waiting', message: expect.stringMatching(/^Checked once you open this step/) });
    await engine.activate('9.1', 'curl');
    await engine.activate('9.1', 'deploy');
    await settle();
    const probes = containers.execs.length;
    await double.upsert({ ...service, metadata: { ...service.metadata, labels: { touched: 'yes' } } });
    await settle();
    expect(containers.execs.length).toBe(probes);
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

describe('evidence is scoped to the step the attendee opened', () => {
  const result = (checkId: string, labId = '9.1') => engine?.results(labId).find((candidate) => candidate.checkId === checkId && candidate.labId === labId);
  let journalDir: string;

  beforeEach(async () => {
    journalDir = await mkdtemp(path.join(tmpdir(), 'labdeck-engine-journal-'));
    temporary.push(journalDir);
  });

  const openJournal = () => EvidenceJournal.open(path.join(journalDir, 'engine-test.jsonl'), { courseId: 'engine-test', courseVersion: '1.0.0' });

  it('does not count a command typed before the step was opened; the same command after it does', async () => {
    const commands = new FakeCommandLog();
    commands.ran('kubectl expose deployment nginx-deployment --port 80', 0, new Date(Date.now() - 60_000));
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'expose');
    expect(result('ran-expose')).toMatchObject({ status: 'failed' });
    commands.ran('kubectl expose deployment nginx-deployment --port 80');
    await waitUntil(() => latest('ran-expose')?.status === 'passed', 'the command typed after opening to count');
  });

  it('never counts a command from an earlier lab, not even for a check scoped to the whole lab', async () => {
    const commands = new FakeCommandLog();
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'deploy');
    commands.ran('kubectl apply -f nginx-deployment.yaml');
    await waitUntil(() => latest('ran-apply')?.status === 'passed', 'the command to count in its own lab');
    await engine.activate('9.2', 'apply-again');
    await settle();
    expect(result('ran-apply', '9.2')).toMatchObject({ status: 'failed' });
    commands.ran('kubectl apply -f nginx-deployment.yaml');
    await waitUntil(() => result('ran-apply', '9.2')?.status === 'passed', 'the command typed in the later lab to count');
  });

  it('counts a since: lab command typed in an earlier step of the same lab, but not one from before the lab', async () => {
    const commands = new FakeCommandLog();
    commands.ran('kubectl apply -f before-the-lab.yaml', 0, new Date(Date.now() - 60_000));
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'deploy');
    commands.ran('kubectl apply -f nginx-deployment.yaml');
    await waitUntil(() => latest('ran-apply')?.status === 'passed', 'the apply to count in its step');
    await engine.activate('9.1', 'expose');
    expect(result('ran-apply-in-lab')).toMatchObject({ status: 'passed', evidence: { matched: expect.objectContaining({ command: 'kubectl apply -f nginx-deployment.yaml' }) } });
  });

  it('judges no step the attendee has not opened, so opening a lab completes nothing ahead', async () => {
    await double.setObjects([service, pod('nginx-kubectl'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    await settle();
    expect(emitted.filter((emittedResult) => emittedResult.stepId !== 'deploy')).toEqual([]);
    expect(result('service-exists')).toMatchObject({ status: 'waiting', message: expect.stringMatching(/^Checked once you open this step/) });
    await engine.activate('9.1', 'expose');
    expect(result('service-exists')).toMatchObject({ status: 'passed' });
    expect(result('default-ns')).toMatchObject({ status: 'passed' });
  });

  it('passes an "is gone" check only after the object was seen during the step, or deleted by a command of the step', async () => {
    const commands = new FakeCommandLog();
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'delete');
    expect(result('kubectl-pod-gone')).toMatchObject({ status: 'failed', message: expect.stringContaining('has not existed while this step was open') });
    expect(result('no-debug-pod')).toMatchObject({ status: 'passed' });
    commands.ran('kubectl delete pod nginx-kubectl');
    await waitUntil(() => latest('kubectl-pod-gone')?.status === 'passed', 'the delete command to witness the pod being gone');
    expect(latest('kubectl-pod-gone')?.evidence).toMatchObject({ deletedBy: { command: 'kubectl delete pod nginx-kubectl' } });
  });

  it('passes an "is gone" check when the object seen at opening disappears', async () => {
    await double.setObjects([pod('nginx-kubectl')]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'delete');
    expect(result('kubectl-pod-gone')).toMatchObject({ status: 'failed', message: 'Pod default/nginx-kubectl still exists' });
    await double.remove({ kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' });
    await waitUntil(() => latest('kubectl-pod-gone')?.status === 'passed', 'the check to pass once the pod is gone');
  });

  it('journals first passes and regressions before showing them, and never context checks', async () => {
    const journal = await openJournal();
    await double.setObjects([deployment(3, 3), service, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }]);
    let journaledWhenShown = true;
    const { engine } = await startEngine({ journal });
    const emit = emitted.push.bind(emitted);
    emitted.push = (...items: CheckResult[]) => {
      for (const item of items) {
        if (item.status === 'passed' && item.checkId !== 'default-ns') {
          journaledWhenShown &&= journal.entries().some((entry) => entry.type === 'check-passed' && entry.checkId === item.checkId);
        }
      }
      return emit(...items);
    };
    await engine.activate('9.1', 'deploy');
    await engine.activate('9.1', 'expose');
    await double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: 1 });
    await waitUntil(() => latest('deployment')?.status === 'failed', 'the deployment check to regress');
    await double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: 3 });
    await waitUntil(() => latest('deployment')?.status === 'passed', 'the deployment check to pass again');
    const lines = journal.entries().map((entry) => `${entry.type} ${entry.stepId}/${entry.checkId}`);
    expect(lines).toEqual(['check-passed deploy/deployment', 'check-passed expose/service-exists', 'check-regressed deploy/deployment', 'check-passed deploy/deployment']);
    expect(journal.entries()[0]?.evidence).toEqual([expect.objectContaining({ kind: 'Deployment', status: { readyReplicas: 3 } })]);
    expect(journaledWhenShown).toBe(true);
    // The context check passed and was shown, but it is not the attendee's achievement.
    expect(latest('default-ns')).toMatchObject({ status: 'passed' });
  });

  it('after a restart, counts from the journaled opening and keeps once-mode passes', async () => {
    const journal = await openJournal();
    const opened = new Date(Date.now() - 120_000);
    await journal.append({ type: 'lab-opened', labId: '9.1', time: opened.toISOString() });
    await journal.append({ type: 'step-opened', labId: '9.1', stepId: 'expose', time: opened.toISOString() });
    await journal.append({ type: 'step-opened', labId: '9.1', stepId: 'deploy', time: opened.toISOString() });
    await journal.append({ type: 'check-passed', labId: '9.1', stepId: 'deploy', checkId: 'ran-apply', time: new Date(opened.getTime() + 1000).toISOString(), evidence: { matched: { command: 'kubectl apply -f x.yaml', exitCode: 0 } } });
    const commands = new FakeCommandLog();
    commands.ran('kubectl expose deployment nginx-deployment --port 80', 0, new Date(opened.getTime() + 5000));
    const { engine } = await startEngine({ journal, commands });
    await engine.activate('9.1', 'expose');
    expect(result('ran-expose')).toMatchObject({ status: 'passed' });
    expect(result('ran-apply')).toMatchObject({ status: 'passed', sticky: true, evidence: { matched: { command: 'kubectl apply -f x.yaml' } } });
    expect(journal.entries().filter((entry) => entry.checkId === 'ran-apply')).toHaveLength(1);
  });

  it('forgets a reset lab: earlier commands stop counting for its steps', async () => {
    const commands = new FakeCommandLog();
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'expose');
    commands.ran('kubectl expose deployment nginx-deployment --port 80');
    await waitUntil(() => latest('ran-expose')?.status === 'passed', 'the command to count');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await engine.activate('9.1', 'deploy');
    await engine.forget('9.1');
    expect(result('ran-expose')).toMatchObject({ status: 'waiting', message: expect.stringMatching(/^Checked once you open this step/) });
    expect(latest('ran-expose')).toMatchObject({ status: 'waiting' });
    await engine.activate('9.1', 'expose');
    expect(result('ran-expose')).toMatchObject({ status: 'failed' });
  });
});

describe('after a progress reset and a restart', () => {
  it('does not count openings and passes the reset threw away', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'labdeck-engine-journal-'));
    temporary.push(dir);
    const journal = await EvidenceJournal.open(path.join(dir, 'engine-test.jsonl'), { courseId: 'engine-test', courseVersion: '1.0.0' });
    const before = Date.now() - 600_000;
    await journal.append({ type: 'step-opened', labId: '9.1', stepId: 'expose', time: new Date(before).toISOString() });
    await journal.append({ type: 'check-passed', labId: '9.1', stepId: 'expose', checkId: 'ran-expose', time: new Date(before + 1000).toISOString(), evidence: { matched: { command: 'kubectl expose', exitCode: 0 } } });
    const commands = new FakeCommandLog();
    commands.ran('kubectl expose deployment nginx-deployment --port 80', 0, new Date(before + 1000));
    const { catalog, dir: courseDir } = await writeCourse([lab, laterLab]);
    temporary.push(courseDir);
    const resetAt = new Date(before + 300_000).toISOString();
    engine = new CheckEngine({
      catalog,
      cluster: new FakeClusterAccess(double.kubeconfigPath),
      containers: new FakeContainers(),
      commandLog: commands,
      events: { emit: (_name, payload) => emitted.push(payload as CheckResult) },
      onResult: () => undefined,
      journal,
      progressStartedAt: (labId) => (labId === '9.1' ? resetAt : undefined),
      debounceMs: 50,
    });
    await engine.activate('9.1', 'expose');
    expect(engine.results('9.1').find((result) => result.checkId === 'ran-expose')).toMatchObject({ status: 'failed' });
  });
});
