import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from './check-world.ts';

/**
 * KubernetesObjectApi with the REST paths of a kind exposed (found through API discovery, cached by the
 * library), so informers can watch kinds only known at run time from lab files.
 */
export class KindPaths extends KubernetesObjectApi {
  static forConfig(kubeConfig: KubeConfig): KindPaths {
    const client = kubeConfig.makeApiClient(KindPaths);
    client.setDefaultNamespace(kubeConfig);
    return client;
  }

  /** e.g. /api/v1/pods or /apis/apps/v1/deployments (all namespaces). */
  async collectionPath(apiVersion: string, kind: string): Promise<string> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource) throw new Error(`The cluster does not serve ${kind} in ${apiVersion}`);
    return `${apiVersion.includes('/') ? '/apis' : '/api'}/${apiVersion}/${resource.name}`;
  }
}

/**
 * The client's typed models turn timestamps into Date objects on list but not on watch; round-tripping
 * through JSON gives checks one shape, the one `kubectl get -o json` prints.
 */
export function asPlainObject(object: KubernetesObject, apiVersion: string, kind: string): KubeObject {
  const plain = JSON.parse(JSON.stringify(object)) as KubeObject;
  return { ...plain, apiVersion: plain.apiVersion ?? apiVersion, kind: plain.kind ?? kind };
}

export { kindKey } from './kind-key.ts';
