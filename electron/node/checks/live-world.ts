import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CommandLog, LabContainers } from '../backend/ports.ts';
import type { ObjectSelector, ProbeTarget } from '../course-format/check-spec.ts';
import { WorldNotReadyError, type CheckWorld, type CommandRecord, type KubeObject, type ProbeOutcome } from './check-world.ts';
import type { InformerCache } from './informer-cache.ts';
import { selectObjects } from './object-filter.ts';
import { execInPod } from './pod-exec.ts';

export const ENVIRONMENT_NOT_RUNNING = 'The lab environment is not running — start it from the Start screen';

/**
 * The world of a running lab: objects from informer caches (no API round trip per check), commands from the
 * jumphost's record, probes by exec in the verifier, a node or a pod, and HTTP to published NodePorts.
 */
export class LiveWorld implements CheckWorld {
  readonly #informers: InformerCache | undefined;
  readonly #kubeConfig: KubeConfig | undefined;
  readonly #containers: LabContainers;
  readonly #commandLog: CommandLog;

  /** Without informers and kubeConfig (no cluster), object checks and pod probes wait for the environment. */
  constructor(options: { informers: InformerCache | undefined; kubeConfig: KubeConfig | undefined; containers: LabContainers; commandLog: CommandLog }) {
    this.#informers = options.informers;
    this.#kubeConfig = options.kubeConfig;
    this.#containers = options.containers;
    this.#commandLog = options.commandLog;
  }

  async listObjects(selector: ObjectSelector): Promise<KubeObject[]> {
    if (!this.#informers) throw new WorldNotReadyError(ENVIRONMENT_NOT_RUNNING);
    const cached = this.#informers.list(selector.apiVersion, selector.kind);
    if (cached.objects === undefined) throw new WorldNotReadyError(`Waiting for the cluster: ${cached.reason}`);
    return selectObjects(cached.objects, selector);
  }

  async commandRecords(): Promise<CommandRecord[]> {
    const records = await this.#commandLog.read();
    if (records === null) throw new WorldNotReadyError('The jumphost is not running, so its command record cannot be read yet');
    return records;
  }

  async runProbe(target: ProbeTarget, argv: string[], timeoutMs: number): Promise<ProbeOutcome> {
    if ('pod' in target) {
      if (!this.#kubeConfig) throw new WorldNotReadyError(ENVIRONMENT_NOT_RUNNING);
      return execInPod(this.#kubeConfig, target.pod.namespace, target.pod.name, argv, timeoutMs);
    }
    const container = 'verifier' in target ? await this.#containers.containerFor({ kind: 'verifier' }) : await this.#containers.containerFor({ kind: 'node', node: target.node });
    if (!container) {
      throw new WorldNotReadyError('verifier' in target ? 'The verifier container is not running yet' : `Node ${target.node} is not running`);
    }
    return this.#containers.exec(container, argv, { timeoutMs });
  }

  async publishedPort(nodePort: number): Promise<number | null> {
    return this.#containers.publishedPort(nodePort);
  }

  async httpGet(nodePort: number, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    const port = await this.#containers.publishedPort(nodePort);
    if (port === null) throw new Error(`nodePort ${nodePort} is not published to this computer by the lab environment`);
    return freshHttpGet(`http://127.0.0.1:${port}${path}`, timeoutMs);
  }
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * One GET on a connection of its own. A kept-alive connection would be NATed to the endpoint kube-proxy chose
 * when it opened, so after the attendee changed the Service (a wrong targetPort) the check would keep
 * passing over the old connection for as long as it stays alive.
 */
export function freshHttpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
