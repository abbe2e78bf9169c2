import { describe, expect, it } from 'vitest';
import { CheckSpecSchema, type CheckSpec } from '../course-format/check-spec.ts';
import { WorldNotReadyError, type CheckWorld, type CommandRecord, type KubeObject, type ProbeOutcome } from './check-world.ts';
import { evaluateCheck } from './evaluate-check.ts';
import { selectObjects } from './object-filter.ts';

function world(options: { objects?: KubeObject[]; commands?: CommandRecord[] | null; probe?: (argv: string[]) => ProbeOutcome | null; http?: { status: number; body: string } | Error | null } = {}): CheckWorld & { probed: string[][] } {
  const probed: string[][] = [];
  return {
    probed,
    listObjects: async (selector) => selectObjects(options.objects ?? [], selector),
    commandRecords: async () => (options.commands === undefined ? [] : options.commands),
    runProbe: async (_target, argv) => {
      probed.push(argv);
      return options.probe ? options.probe(argv) : null;
    },
    httpGet: async () => {
      if (options.http instanceof Error) throw options.http;
      return options.http ?? null;
    },
  };
}

const check = (spec: Record<string, unknown>): CheckSpec => CheckSpecSchema.parse({ id: 'c', title: 'The thing is right', ...spec });
const context = { labId: '1.1', stepId: 's', hints: [{ text: 'Look at the image tag.', forCheck: 'c' }, { text: 'unrelated', forCheck: 'other' }] };
const pod = (name: string, namespace: string, labels: Record<string, string>, phase = 'Running'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: {}, status: { phase } });

describe('resource checks', () => {
  const podCheck = check({ kind: 'resource', select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' }, assert: [{ that: 'object.status.phase == "Running"', message: 'pod is {{object.status.phase}}, expected Running' }] });

  it('names what is missing and where', async () => {
    const result = await evaluateCheck(podCheck, world({ objects: [pod('nginx-kubectl', 'production', {})] }), context);
    expect(result).toMatchObject({ status: 'failed', message: 'Pod nginx-kubectl not found in namespace default', hint: 'Look at the image tag.' });
  });

  it('passes with the evidence it judged, and no hint', async () => {
    const result = await evaluateCheck(podCheck, world({ objects: [pod('nginx-kubectl', 'default', { run: 'nginx-kubectl' })] }), context);
    expect(result.status).toBe('passed');
    expect(result.hint).toBeUndefined();
    expect(result.evidence).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: 'nginx-kubectl' }) })]);
  });

  it('joins the messages of every failing assertion', async () => {
    const deploymentCheck = check({
      kind: 'resource',
      select: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' },
      assert: [
        { that: 'object.?status.?readyReplicas.orValue(0) == 3', message: 'nginx-deployment has {{object.?status.?readyReplicas.orValue(0)}}/3 ready replicas' },
        { that: 'object.spec.image == "nginx:1.14.2"', message: 'image is {{object.spec.image}}, expected nginx:1.14.2' },
        { that: 'object.spec.replicas == 3', message: 'never shown' },
      ],
    });
    const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx-deployment', namespace: 'default' }, spec: { replicas: 3, image: 'nginx:latest' }, status: { readyReplicas: 2 } };
    const result = await evaluateCheck(deploymentCheck, world({ objects: [deployment] }), context);
    expect(result.message).toBe('nginx-deployment has 2/3 ready replicas; image is nginx:latest, expected nginx:1.14.2');
  });

  it('selects by label and asserts over the list', async () => {
    const listCheck = check({
      kind: 'resource',
      select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', labelSelector: 'app=nginx' },
      assertAll: [{ that: 'objects.filter(p, p.status.phase == "Running").size() == 3', message: '{{objects.filter(p, p.status.phase == "Running").size()}} of 3 pods are running' }],
    });
    const objects = [pod('a', 'default', { app: 'nginx' }), pod('b', 'default', { app: 'nginx' }, 'Pending'), pod('c', 'default', { app: 'web' })];
    expect((await evaluateCheck(listCheck, world({ objects }), context)).message).toBe('1 of 3 pods are running');
    expect((await evaluateCheck(listCheck, world({ objects: [] }), context)).message).toBe('No Pod with labels app=nginx found in namespace default');
  });

  it('does not pass an all() over an empty selection: nothing selected fails with what was looked for', async () => {
    const nodesCheck = check({
      kind: 'resource',
      select: { apiVersion: 'v1', kind: 'Node' },
      assertAll: [{ that: 'objects.all(n, n.spec.podCIDR.startsWith("10.244."))', message: 'a node has another pod subnet' }],
    });
    expect(await evaluateCheck(nodesCheck, world({ objects: [] }), context)).toMatchObject({ status: 'failed', message: 'No Node found in the cluster' });
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'master1' }, spec: { podCIDR: '10.244.0.0/24' } };
    expect((await evaluateCheck(nodesCheck, world({ objects: [node] }), context)).status).toBe('passed');
  });

  it('absent passes when nothing matches and names what is left otherwise', async () => {
    const gone = check({ kind: 'resource', select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'nginx' }, absent: true });
    expect((await evaluateCheck(gone, world(), context)).status).toBe('passed');
    expect(await evaluateCheck(gone, world({ objects: [pod('nginx', 'default', {})] }), context)).toMatchObject({ status: 'failed', message: 'Pod default/nginx still exists' });
  });

  it('reports a broken expression as an error of the check', async () => {
    const broken = check({ kind: 'resource', select: { apiVersion: 'v1', kind: 'Pod', name: 'nginx' }, assert: [{ that: 'object.spec.nothere == 1', message: 'x' }] });
    const result = await evaluateCheck(broken, world({ objects: [pod('nginx', 'default', {})] }), context);
    expect(result.status).toBe('error');
    expect(result.message).toContain('could not be evaluated');
  });

  it('waits when the world is not ready', async () => {
    const notReady: CheckWorld = { ...world(), listObjects: async () => Promise.reject(new WorldNotReadyError('The lab environment is not running')) };
    expect(await evaluateCheck(podCheck, notReady, context)).toMatchObject({ status: 'waiting', message: 'The lab environment is not running' });
  });
});

describe('command checks', () => {
  const ran = check({ kind: 'command', pattern: '^kubectl get nodes', exitCode: 0 });
  const record = (command: string, exitCode = 0): CommandRecord => ({ time: '2026-01-01T00:00:00Z', command, exitCode });

  it('passes on a matching command with the right exit code', async () => {
    expect(await evaluateCheck(ran, world({ commands: [record('ls'), record('kubectl get nodes -o wide')] }), context)).toMatchObject({ status: 'passed' });
  });

  it('says when the matching command failed', async () => {
    const result = await evaluateCheck(ran, world({ commands: [record('kubectl get nodes', 1)] }), context);
    expect(result).toMatchObject({ status: 'failed' });
    expect(result.message).toContain('exited with code 1, expected 0');
  });

  it('is skipped where there is no command record', async () => {
    expect(await evaluateCheck(ran, world({ commands: null }), context)).toMatchObject({ status: 'skipped' });
  });
});

describe('probe checks', () => {
  const curl = check({
    kind: 'probe',
    in: { verifier: true },
    command: ['curl', '-s', 'http://${service:default/nginx}.spec.clusterIP/'],
    expect: { exitCode: 0, outputMatches: 'Welcome', assert: [{ that: 'output.size() < 1000', message: 'output is too long' }] },
  });
  const service = (clusterIP?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: clusterIP ? { clusterIP } : {} });

  it('resolves object references before running', async () => {
    const target = world({ objects: [service('10.43.0.10')], probe: () => ({ exitCode: 0, output: 'Welcome to nginx' }) });
    expect(await evaluateCheck(curl, target, context)).toMatchObject({ status: 'passed', evidence: expect.objectContaining({ argv: ['curl', '-s', 'http://10.43.0.10/'] }) });
  });

  it('fails when the referenced object is missing and waits when its field is not set yet', async () => {
    const missing = world({ probe: () => ({ exitCode: 0, output: '' }) });
    expect(await evaluateCheck(curl, missing, context)).toMatchObject({ status: 'failed', message: 'The thing is right: Service default/nginx does not exist' });
    expect(missing.probed).toEqual([]);
    expect(await evaluateCheck(curl, world({ objects: [service()] }), context)).toMatchObject({ status: 'waiting', message: 'The thing is right: Service default/nginx has no spec.clusterIP yet' });
  });

  it('names exit code and output differences', async () => {
    const result = await evaluateCheck(curl, world({ objects: [service('10.43.0.10')], probe: () => ({ exitCode: 7, output: 'curl: (7) Failed to connect' }) }), context);
    expect(result.status).toBe('failed');
    expect(result.message).toContain('exited with code 7, expected 0');
    expect(result.message).toContain('does not match /Welcome/');
  });

  it('is skipped where probes cannot run, never passed', async () => {
    expect(await evaluateCheck(curl, world({ objects: [service('10.43.0.10')] }), context)).toMatchObject({ status: 'skipped' });
  });
});

describe('http checks', () => {
  const nodePort = check({ kind: 'http', nodePort: 30080, bodyMatches: 'Welcome to nginx' });

  it('judges status and body', async () => {
    expect(await evaluateCheck(nodePort, world({ http: { status: 200, body: '<title>Welcome to nginx!</title>' } }), context)).toMatchObject({ status: 'passed' });
    const wrong = await evaluateCheck(nodePort, world({ http: { status: 503, body: 'no' } }), context);
    expect(wrong.message).toBe('GET nodePort 30080 answered 503, expected 200; the page from nodePort 30080 does not match /Welcome to nginx/');
  });

  it('fails when nothing answers and is skipped without an environment', async () => {
    expect(await evaluateCheck(nodePort, world({ http: new Error('connect ECONNREFUSED 127.0.0.1:30080') }), context)).toMatchObject({ status: 'failed', message: expect.stringContaining('ECONNREFUSED') });
    expect(await evaluateCheck(nodePort, world({ http: null }), context)).toMatchObject({ status: 'skipped' });
  });
});
