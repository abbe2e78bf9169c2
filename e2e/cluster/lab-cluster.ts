import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import type { ObjectSelector, ProbeTarget } from '../../electron/node/course-format/check-spec.ts';
import type { CheckWorld, CommandRecord, KubeObject, ProbeOutcome } from '../../electron/node/checks/check-world.ts';
import { asPlainObject } from '../../electron/node/checks/kube-objects.ts';
import { LiveWorld } from '../../electron/node/checks/live-world.ts';
import { selectObjects } from '../../electron/node/checks/object-filter.ts';
import { putFiles } from '../../electron/node/env/docker-exec.ts';
import { DockerLabContainers } from '../../electron/node/env/lab-containers.ts';
import { JUMPHOST_USER } from '../../electron/node/env/toolbox.ts';
import type { LabCatalog } from '../../electron/node/labs/lab-catalog.ts';
import { containerId, TEST_DATA_DIR, TEST_ENV_NAME } from './test-cluster.ts';

/**
 * What the lab-level cluster tests (probes, guide commands, the scripted attendee) share: the test
 * environment's host kubeconfig, the product's check world over the real cluster, and the lab manifests on
 * the real jumphost.
 */

export const COURSE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../labs');

/** The host kubeconfig EnvironmentService writes for the test environment (127.0.0.1:<published 6443>). */
export const TEST_KUBECONFIG = path.join(TEST_DATA_DIR, 'environments', TEST_ENV_NAME, 'kubeconfig.yaml');

export function testKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(TEST_KUBECONFIG);
  return config;
}

/** The product's container lookup of the test environment (verifier, nodes, published ports), by Labdeck's labels. */
export function testContainers(docker: Docker): DockerLabContainers {
  return new DockerLabContainers(docker, TEST_ENV_NAME);
}

/** One probe (or HTTP request) run on the real cluster, with what the real tool answered. */
export interface ExecutedProbe {
  target: string;
  argv: string[];
  exitCode: number;
  output: string;
}

/**
 * The product's CheckWorld on the real cluster, for evaluating one check at a time: objects listed fresh from
 * the API server on every call (no informer lag between a change and the check), probes and HTTP exactly as
 * the product's LiveWorld runs them: verifier and node probes by docker exec in the containers found by
 * Labdeck's labels, pod probes through the Kubernetes exec API, HTTP to the port published on this computer.
 */
export class ClusterCheckWorld implements CheckWorld {
  readonly probes = true;
  readonly #api: KubernetesObjectApi;
  readonly #live: LiveWorld;
  readonly executed: ExecutedProbe[] = [];

  constructor(docker: Docker, kubeConfig: KubeConfig = testKubeConfig()) {
    this.#api = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.#live = new LiveWorld({ informers: undefined, kubeConfig, containers: testContainers(docker), commandLog: { read: async () => [], subscribe: () => () => undefined } });
  }

  async listObjects(selector: ObjectSelector): Promise<KubeObject[]> {
    const list = await this.#api.list(selector.apiVersion, selector.kind, selector.namespace);
    return selectObjects(list.items.map((item) => asPlainObject(item, selector.apiVersion, selector.kind)), selector);
  }

  async commandRecords(): Promise<CommandRecord[] | null> {
    return null;
  }

  async runProbe(target: ProbeTarget, argv: string[], timeoutMs: number): Promise<ProbeOutcome> {
    const outcome = await this.#live.runProbe(target, argv, timeoutMs);
    const where = 'verifier' in target ? 'verifier' : 'node' in target ? `node ${target.node}` : `pod ${target.pod.namespace}/${target.pod.name}`;
    this.executed.push({ target: where, argv, exitCode: outcome.exitCode, output: outcome.output });
    return outcome;
  }

  publishedPort(nodePort: number): Promise<number | null> {
    return this.#live.publishedPort(nodePort);
  }

  async httpGet(nodePort: number, requestPath: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    try {
      const response = await this.#live.httpGet(nodePort, requestPath, timeoutMs);
      this.executed.push({ target: 'this computer', argv: [`GET nodePort ${nodePort}${requestPath}`], exitCode: 0, output: `${response.status}\n${response.body}` });
      return response;
    } catch (error) {
      this.executed.push({ target: 'this computer', argv: [`GET nodePort ${nodePort}${requestPath}`], exitCode: 1, output: String(error) });
      throw error;
    }
  }
}

/** Every manifest of the course by file name, as the attendee saves them on the jumphost (later labs win). */
export function labManifests(catalog: LabCatalog): Map<string, string> {
  const files = new Map<string, string>();
  for (const lab of catalog.labs()) for (const step of lab.steps) for (const [relative, content] of step.manifests) files.set(path.basename(relative), content);
  return files;
}

/** Writes files into the attendee's home folder on the real jumphost, owned by the attendee. */
export async function putHomeFiles(docker: Docker, files: ReadonlyMap<string, string>): Promise<void> {
  const id = await containerId(docker, 'jumphost');
  await putFiles(docker, id, [...files].map(([name, content]) => ({ path: `${JUMPHOST_USER.home}/${name}`, content, mode: 0o644 })), { uid: JUMPHOST_USER.uid, gid: JUMPHOST_USER.gid });
}

/** The text of a lab's command snippet (so the tests type what the lab shows, not a copy of it). */
export function snippetCommand(catalog: LabCatalog, labId: string, stepId: string, snippetId: string): string {
  const snippet = catalog.requireStep(labId, stepId).spec.snippets.find((candidate) => candidate.id === snippetId);
  if (!snippet || snippet.kind !== 'command') throw new Error(`lab ${labId} step ${stepId} has no command snippet ${snippetId}`);
  return snippet.command;
}

/** Objects the labs create in the cluster, deleted to give the next test a clean start. */
export const LAB_OBJECTS_CLEANUP = [
  'kubectl delete namespace production nlb-sample-app --ignore-not-found --wait=false',
  'kubectl delete deployment nginx-deployment --ignore-not-found',
  'kubectl delete service nginx nginx-deployment range-test --ignore-not-found',
  'kubectl delete pod nginx-kubectl nginx alpine mypod --ignore-not-found --grace-period=1',
  'kubectl wait --for=delete pod -l app=nginx --timeout=120s 2>/dev/null; kubectl wait --for=delete namespace/production namespace/nlb-sample-app --timeout=120s 2>/dev/null; true',
].join(' && ');

/** Polls until done() or the deadline; true when done. */
export async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
