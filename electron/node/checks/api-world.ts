import { KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import type { ObjectSelector } from '../course-format/check-spec.ts';
import type { CheckWorld, KubeObject } from './check-world.ts';
import { asPlainObject, kindKey } from './kube-objects.ts';
import { selectObjects } from './object-filter.ts';

/**
 * A point-in-time world read straight from a cluster's API (`labdeck grade --kubeconfig`): each kind is
 * listed once across all namespaces and reused for every check. Commands, probes and HTTP need the Labdeck
 * environment around the cluster, which a bare kubeconfig does not give, so they return null (skipped).
 */
export class ApiWorld implements CheckWorld {
  readonly probes = false;
  readonly #api: KubernetesObjectApi;
  readonly #lists = new Map<string, Promise<KubeObject[]>>();

  constructor(kubeConfig: KubeConfig) {
    this.#api = KubernetesObjectApi.makeApiClient(kubeConfig);
  }

  async listObjects(selector: ObjectSelector): Promise<KubeObject[]> {
    const key = kindKey(selector.apiVersion, selector.kind);
    let listed = this.#lists.get(key);
    if (!listed) {
      listed = this.#api.list(selector.apiVersion, selector.kind).then((list) => list.items.map((item) => asPlainObject(item, selector.apiVersion, selector.kind)));
      this.#lists.set(key, listed);
    }
    return selectObjects(await listed, selector);
  }

  async commandRecords(): Promise<null> {
    return null;
  }

  async runProbe(): Promise<null> {
    return null;
  }

  async httpGet(): Promise<null> {
    return null;
  }
}
