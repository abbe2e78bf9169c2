import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckResult } from '../../electron/common/api/labs.ts';
import type { HttpCheck, ProbeCheck } from '../../electron/node/course-format/check-spec.ts';
import { evaluateCheck } from '../../electron/node/checks/evaluate-check.ts';
import { LabCatalog } from '../../electron/node/labs/lab-catalog.ts';
import { ClusterCheckWorld, COURSE_DIR, LAB_OBJECTS_CLEANUP, labManifests, putHomeFiles, snippetCommand, type ExecutedProbe } from './lab-cluster.ts';
import { run } from './test-cluster.ts';

/**
 * Every probe and HTTP check of every lab (read from labs/ at test time), run by the product's own evaluator
 * (evaluateCheck: reference resolution, the real command in the verifier, a node or a pod, CEL) on the real
 * kubeadm cluster: it passes in the world the labs build (their own manifests and solution commands, typed
 * in the real jumphost), and fails in every wrong world planned for it below (a Service forwarding to
 * targetPort 8080, a selector that matches nothing, no nodePort, the pod or the Service missing, alpine on
 * the node's DNS, two replicas instead of three). Wrong worlds are made on the live cluster with kubectl and
 * undone afterwards; kube-proxy, CoreDNS, flannel and nginx are the real ones.
 *
 * Wrong worlds are picked from what a probe does (its target, command and referenced objects), not from its
 * id, so a probe added to labs/ is covered without touching this file; a probe no rule recognizes fails the
 * test, unless it is listed among the environment facts (checks of what kubeadm and flannel built, which no
 * attendee action can break without breaking the shared cluster).
 */

const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();
const catalog = await LabCatalog.load(COURSE_DIR);

interface LabProbe {
  labId: string;
  stepId: string;
  check: ProbeCheck | HttpCheck;
}

const probes: LabProbe[] = catalog.labs().flatMap((lab) =>
  lab.steps.flatMap((step) => step.spec.checks.flatMap((check) => (check.kind === 'probe' || check.kind === 'http' ? [{ labId: lab.file.id, stepId: step.spec.id, check }] : []))),
);
const label = (probe: LabProbe) => `${probe.labId} ${probe.stepId}/${probe.check.id}`;

/** Probes of what the environment itself provides: no attendee mistake can make them fail, so no wrong world. */
const ENVIRONMENT_FACTS: Record<string, string> = {
  '1.1 kubeconfig/api-server-answers': 'the API server on master1 answers /version; breaking it would break the shared cluster',
  '1.6 pod-subnet/controller-manager-cluster-cidr': "kubeadm's static pod manifest on master1; editing it restarts the controller manager of the shared cluster",
  '1.6 flannel/worker1-routes': "flannel's routes on worker1; removing them would cut worker1's pods off for every later test",
};

const jumphost = async (command: string, timeoutMs = 180_000) => {
  const outcome = await run(docker, 'jumphost', command, timeoutMs);
  if (outcome.exitCode !== 0) throw new Error(`\`${command}\` exited with ${outcome.exitCode}: ${outcome.output}`);
  return outcome.output;
};

// The lab's own commands that build the world the probes look at.
const nginxService = () => snippetCommand(catalog, '1.5', 'pod-and-service', 'apply');
const runAlpine = () => snippetCommand(catalog, '1.7', 'run-busybox', 'run');
const applyDeployment = () => snippetCommand(catalog, '1.8', 'random-backends', 'apply');
const exposeDeployment = () => snippetCommand(catalog, '1.8', 'random-backends', 'expose');
const applyLoadBalancer = () => snippetCommand(catalog, '1.9', 'loadbalancer', 'apply');
const waitLoadBalancerPods = 'kubectl rollout status deployment/nlb-sample-app -n nlb-sample-app --timeout=120s';
const waitNginx = 'kubectl wait --for=condition=Ready pod/nginx --timeout=120s';
const waitAlpine = 'kubectl wait --for=condition=Ready pod/alpine --timeout=120s';
const waitDeployment = 'kubectl rollout status deployment/nginx-deployment --timeout=120s && kubectl wait --for=condition=Ready pod -l app=nginx --timeout=120s';
const patchJson = (object: string, patch: unknown) => `kubectl patch ${object} --type=json -p '${JSON.stringify(patch)}'`;

/** A wrong world: what an attendee got wrong, made on the live cluster, and how it is undone. */
interface WrongWorld {
  name: string;
  make: string;
  undo: string;
}

const WRONG: Record<string, WrongWorld> = {
  targetPort: {
    name: 'Service nginx forwards to targetPort 8080',
    make: patchJson('service nginx', [{ op: 'replace', path: '/spec/ports/0/targetPort', value: 8080 }]),
    undo: patchJson('service nginx', [{ op: 'replace', path: '/spec/ports/0/targetPort', value: 80 }]),
  },
  selector: {
    name: 'Service nginx selects name=nginx-typo (no endpoints)',
    make: `kubectl patch service nginx -p '{"spec":{"selector":{"name":"nginx-typo"}}}'`,
    undo: `kubectl patch service nginx -p '{"spec":{"selector":{"name":"nginx"}}}'`,
  },
  noNodePort: {
    name: 'Service nginx is a ClusterIP Service (no nodePort 30080)',
    make: patchJson('service nginx', [{ op: 'replace', path: '/spec/type', value: 'ClusterIP' }, { op: 'remove', path: '/spec/ports/0/nodePort' }, { op: 'remove', path: '/spec/externalTrafficPolicy' }]),
    undo: patchJson('service nginx', [{ op: 'replace', path: '/spec/type', value: 'NodePort' }, { op: 'add', path: '/spec/ports/0/nodePort', value: 30080 }]),
  },
  noPod: {
    name: 'pod nginx is missing',
    make: 'kubectl delete pod nginx --grace-period=1 --wait=true',
    undo: `${nginxService()} && ${waitNginx}`,
  },
  noService: {
    name: 'Service nginx is missing',
    make: 'kubectl delete service nginx --wait=true',
    undo: nginxService(),
  },
  alpineNodeDns: {
    name: "alpine uses the node's resolver (dnsPolicy Default)",
    make: `kubectl delete pod alpine --grace-period=1 --wait=true && ${runAlpine()} --overrides='{"spec":{"dnsPolicy":"Default"}}' && ${waitAlpine}`,
    undo: `kubectl delete pod alpine --grace-period=1 --wait=true && ${runAlpine()} && ${waitAlpine}`,
  },
  deploymentTargetPort: {
    name: 'Service nginx-deployment forwards to targetPort 8080',
    make: patchJson('service nginx-deployment', [{ op: 'replace', path: '/spec/ports/0/targetPort', value: 8080 }]),
    undo: patchJson('service nginx-deployment', [{ op: 'replace', path: '/spec/ports/0/targetPort', value: 80 }]),
  },
  loadBalancerNoPods: {
    name: 'the pods behind nlb-sample-service are gone (Deployment scaled to 0)',
    make: 'kubectl scale deployment nlb-sample-app -n nlb-sample-app --replicas=0 && kubectl wait --for=delete pod -l app=nginx -n nlb-sample-app --timeout=120s',
    undo: `kubectl scale deployment nlb-sample-app -n nlb-sample-app --replicas=1 && ${waitLoadBalancerPods}`,
  },
  twoReplicas: {
    name: 'nginx-deployment runs 2 replicas',
    make: 'kubectl scale deployment nginx-deployment --replicas=2 && kubectl rollout status deployment/nginx-deployment --timeout=120s',
    undo: `kubectl scale deployment nginx-deployment --replicas=3 && ${waitDeployment}`,
  },
};

/** The wrong worlds for a probe, from what it does. */
function wrongWorldsFor(probe: LabProbe): WrongWorld[] {
  const { check } = probe;
  if (check.kind === 'http') return check.nodePort === 30080 ? [WRONG.targetPort!, WRONG.noNodePort!] : [];
  const text = check.command.join(' ');
  const inVerifier = 'verifier' in check.in;
  const inAlpine = 'pod' in check.in && check.in.pod.namespace === 'default' && check.in.pod.name === 'alpine';
  const worlds = new Set<WrongWorld>();
  const curl = check.command[0] === 'curl';
  if (inVerifier && curl && text.includes('${service:default/nginx}.spec.clusterIP')) [WRONG.targetPort, WRONG.selector, WRONG.noService].forEach((world) => worlds.add(world!));
  if (inVerifier && curl && /:30080\b/.test(text)) [WRONG.targetPort, WRONG.noNodePort].forEach((world) => worlds.add(world!));
  if (inVerifier && curl && text.includes('${pod:default/nginx}.status.podIP')) worlds.add(WRONG.noPod!);
  if (inVerifier && curl && text.includes('${service:default/nginx-deployment}.spec.clusterIP')) worlds.add(WRONG.deploymentTargetPort!);
  if (inVerifier && curl && text.includes('${service:nlb-sample-app/nlb-sample-service}')) worlds.add(WRONG.loadBalancerNoPods!);
  if (inAlpine) worlds.add(WRONG.alpineNodeDns!);
  if (!curl && text.includes('${service:default/nginx}')) worlds.add(WRONG.noService!);
  if (!curl && text.includes('${pod:default/nginx}')) worlds.add(WRONG.noPod!);
  if ('node' in check.in && text.includes('statistic --mode random') && text.includes('nginx-deployment')) worlds.add(WRONG.twoReplicas!);
  if ('node' in check.in && text.includes('masquerade traffic for default/nginx')) worlds.add(WRONG.noNodePort!);
  return [...worlds];
}

/**
 * Evaluates the check until it reaches the wanted verdict (the engine re-runs a failing probe with backoff
 * too: kube-proxy and CoreDNS take a moment to follow a change), or gives up with the last result.
 */
async function settle(probe: LabProbe, wanted: CheckResult['status'], timeoutMs = 60_000): Promise<{ result: CheckResult; executed: ExecutedProbe[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const world = new ClusterCheckWorld(docker);
    const result = await evaluateCheck(probe.check, world, { labId: probe.labId, stepId: probe.stepId });
    if (result.status === wanted || Date.now() > deadline) return { result, executed: world.executed };
    // HTTP checks: wait out the keep-alive of Node's fetch (undici closes idle connections after 4 s). A
    // request on a kept-alive connection skips kube-proxy's DNAT of a new connection and still reaches the pod
    // the rules chose before the change (see the report of this test: LiveWorld.httpGet reuses connections).
    await new Promise((resolve) => setTimeout(resolve, probe.check.kind === 'http' ? 5000 : 1000));
  }
}

const explain = (result: CheckResult, executed: ExecutedProbe[]) =>
  `${result.status}: ${result.message}\nran: ${JSON.stringify(executed.at(-1) ?? null, null, 2)}`;

describe.skipIf(unavailable)(`every lab probe on the real kubeadm cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    await jumphost(LAB_OBJECTS_CLEANUP);
    await putHomeFiles(docker, labManifests(catalog));
    // The right world: lab 1.5's pod and Service, 1.7's alpine, 1.8's Deployment and its Service, 1.9's
    // LoadBalancer Service with its namespace and pods, each made with the lab's own command in the real jumphost.
    await jumphost(`${nginxService()} && ${runAlpine()} && ${applyDeployment()} && ${exposeDeployment()} && ${applyLoadBalancer()}`);
    await jumphost(`${waitNginx} && ${waitAlpine} && ${waitDeployment} && ${waitLoadBalancerPods}`);
  });

  afterAll(async () => {
    if (!unavailable) await jumphost(LAB_OBJECTS_CLEANUP).catch((error: unknown) => console.warn(`[lab-probes] cleanup failed: ${String(error)}`));
  });

  it('finds the probes in the lab files, each with a wrong world or as an environment fact', () => {
    expect(probes.length).toBeGreaterThan(15);
    const uncovered = probes.filter((probe) => wrongWorldsFor(probe).length === 0 && !ENVIRONMENT_FACTS[label(probe)]).map(label);
    expect(uncovered, 'add a wrong world for these probes to wrongWorldsFor (or, for a fact of the environment, to ENVIRONMENT_FACTS)').toEqual([]);
    expect(Object.keys(ENVIRONMENT_FACTS).filter((key) => !probes.some((probe) => label(probe) === key)), 'ENVIRONMENT_FACTS names probes the course no longer has').toEqual([]);
  });

  describe('the attendee did it right: every probe passes', () => {
    for (const probe of probes) {
      it(label(probe), async () => {
        const { result, executed } = await settle(probe, 'passed');
        expect(executed.length, 'the probe ran on the real cluster').toBeGreaterThan(0);
        expect(result.status, explain(result, executed)).toBe('passed');
      });
    }
  });

  for (const world of Object.values(WRONG)) {
    const affected = probes.filter((probe) => wrongWorldsFor(probe).includes(world));
    if (affected.length === 0) continue;
    describe(`wrong world: ${world.name}`, () => {
      beforeAll(async () => {
        await jumphost(world.make);
      });
      afterAll(async () => {
        await jumphost(world.undo);
      });
      for (const probe of affected) {
        it(`${label(probe)} fails`, async () => {
          const { result, executed } = await settle(probe, 'failed');
          expect(result.status, explain(result, executed)).toBe('failed');
        });
      }
    });
  }

  describe('the right world is back after the wrong ones: every probe passes again', () => {
    for (const probe of probes) {
      it(label(probe), async () => {
        const { result, executed } = await settle(probe, 'passed');
        expect(result.status, explain(result, executed)).toBe('passed');
      });
    }
  });
});
