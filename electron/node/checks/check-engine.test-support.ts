import { rm } from 'node:fs/promises';
import { afterEach, beforeEach } from 'vitest';
import type { CheckResult } from '../../common/api/labs.ts';
import { startKubeApiTestDouble, type KubeApiTestDouble } from '../../../e2e/support/kube-api-test-double.ts';
import { CheckEngine } from './check-engine.ts';
import type { EvaluateCheck } from './check-world.ts';
import { evaluateCheck } from './evaluate-check.ts';
import type { EvidenceJournal } from '../progress/evidence-journal.ts';
import { FakeClusterAccess, FakeCommandLog, FakeContainers, writeCourse } from './engine-fixtures.test-support.ts';

// The engine tests' course (labs 9.1 and 9.2) and harness: a fresh Kubernetes API test double per test, the
// engine's emitted results and the ids of the checks it evaluated.

export const deployment = (replicas: number, ready: number, image = 'nginx:1.14.2') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
  spec: { replicas, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image }] } } },
  status: { readyReplicas: ready },
});
export const pod = (name: string, namespace = 'default') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels: { run: name } },
  spec: { containers: [{ name, image: 'nginx' }] },
  status: { phase: 'Running', podIP: '10.42.1.5' },
});
export const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '10.43.0.10', ports: [{ port: 80 }] } };

export const lab = {
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
      cleanup: [{ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' }],
      checks: [
        { id: 'kubectl-pod-gone', title: 'Pod nginx-kubectl is gone', kind: 'resource' as const, absent: true, select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' } },
        // A guard: no earlier step asks for a pod "debug", so nothing matching is simply right.
        { id: 'no-debug-pod', title: 'No pod debug', kind: 'resource' as const, absent: true, select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'debug' } },
      ],
    },
  ],
};

/** A later lab with the same command check: nothing typed in lab 9.1 may count for it. */
export const laterLab = {
  id: '9.2',
  slug: 'later',
  title: 'Later lab',
  summary: 'Another lab.',
  objectives: ['Test evidence scoping'],
  durationMinutes: 5,
  steps: [{ id: 'apply-again', title: 'Apply again', checks: [{ id: 'ran-apply', title: 'You applied the manifest', kind: 'command' as const, mode: 'once' as const, pattern: '^kubectl apply -f', exitCode: 0 }] }],
};

/** Registers the per-test set-up and tear-down and returns the live state of the test running now. */
export function engineHarness() {
  const temporary: string[] = [];
  const state = {
    /** Folders removed after the test. */
    temporary,
    double: undefined as unknown as KubeApiTestDouble,
    engine: undefined as CheckEngine | undefined,
    emitted: [] as CheckResult[],
    evaluations: [] as string[],
    async startEngine(options: { cluster?: FakeClusterAccess; containers?: FakeContainers; commands?: FakeCommandLog; backoff?: number[]; journal?: EvidenceJournal } = {}) {
      const { catalog, dir } = await writeCourse([lab, laterLab]);
      temporary.push(dir);
      const counting: EvaluateCheck = (check, world, context) => {
        state.evaluations.push(check.id);
        return evaluateCheck(check, world, context);
      };
      const cluster = options.cluster ?? new FakeClusterAccess(state.double.kubeconfigPath);
      const containers = options.containers ?? new FakeContainers();
      const commands = options.commands ?? new FakeCommandLog();
      const engine = new CheckEngine({
        catalog,
        cluster,
        containers,
        commandLog: commands,
        events: { emit: (_name, payload) => state.emitted.push(payload as CheckResult) },
        onResult: () => undefined,
        evaluate: counting,
        ...(options.journal ? { journal: options.journal } : {}),
        debounceMs: 50,
        probeBackoffMs: options.backoff ?? [100, 200],
      });
      state.engine = engine;
      return { engine, cluster, containers, commands };
    },
    latest: (checkId: string) => state.emitted.filter((result) => result.checkId === checkId).at(-1),
    settle: (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  beforeEach(async () => {
    state.double = await startKubeApiTestDouble();
    state.emitted = [];
    state.evaluations = [];
  });
  afterEach(async () => {
    await state.engine?.dispose();
    state.engine = undefined;
    await state.double.stop();
    for (const dir of temporary.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  return state;
}
