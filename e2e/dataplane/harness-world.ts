import type { ObjectSelector, ProbeTarget } from '../../electron/node/course-format/check-spec.ts';
import { WorldNotReadyError, type CheckWorld, type CommandRecord, type KubeObject, type ProbeOutcome } from '../../electron/node/checks/check-world.ts';
import { selectObjects } from '../../electron/node/checks/object-filter.ts';
import type { DataplaneHarness } from './harness.ts';
import { worldObjects } from './kube-objects.ts';

/**
 * The product's CheckWorld over a running harness, so the product's own evaluator (evaluateProbe: reference
 * resolution, CEL, messages) judges what the real tools printed. Objects come from the harness's current
 * world; verifier and node probes find their container through the product's DockerLabContainers (by
 * Labdeck's labels) and run with its exec, exactly as LiveWorld does; pod probes run in the pod's container
 * where the live product goes through the Kubernetes exec API (same argv, same merged output, same exit code).
 */
export class HarnessCheckWorld implements CheckWorld {
  readonly #harness: DataplaneHarness;
  /** Every argv the world ran, for tests that want to show what was executed. */
  readonly executed: Array<{ target: ProbeTarget; argv: string[]; outcome: ProbeOutcome }> = [];

  constructor(harness: DataplaneHarness) {
    this.#harness = harness;
  }

  async listObjects(selector: ObjectSelector): Promise<KubeObject[]> {
    return selectObjects(worldObjects(this.#harness.world), selector);
  }

  /** The harness has no jumphost command record: command checks are not its business. */
  async commandRecords(): Promise<CommandRecord[] | null> {
    return null;
  }

  async runProbe(target: ProbeTarget, argv: string[], timeoutMs: number): Promise<ProbeOutcome> {
    let outcome: ProbeOutcome;
    if ('pod' in target) {
      const exists = this.#harness.world.pods.some((pod) => pod.namespace === target.pod.namespace && pod.name === target.pod.name);
      if (!exists) throw new Error(`pods "${target.pod.name}" not found`);
      outcome = await this.#harness.exec({ pod: target.pod }, argv, { timeoutMs });
    } else {
      const container = await this.#harness.containers.containerFor('verifier' in target ? { kind: 'verifier' } : { kind: 'node', node: target.node });
      if (!container) throw new WorldNotReadyError('verifier' in target ? 'The verifier container is not running yet' : `Node ${target.node} is not running`);
      outcome = await this.#harness.containers.exec(container, argv, { timeoutMs });
    }
    this.executed.push({ target, argv, outcome });
    return outcome;
  }

  /** NodePorts published to the host belong to the real environment, not to the harness. */
  async httpGet(): Promise<null> {
    return null;
  }
}
