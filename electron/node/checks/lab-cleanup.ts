import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { ObjectRef } from '../../common/api/labs.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ObjectSelector } from '../course-format/check-spec.ts';

/**
 * Deletes exactly what a lab's `cleanup` lists (by name, or every object its label selector selects) and
 * returns what existed; objects already gone are skipped, any other failure names the object and what to do.
 */
export async function deleteSelected(kubeConfig: KubeConfig | null, selectors: readonly ObjectSelector[]): Promise<ObjectRef[]> {
  if (!kubeConfig) {
    throw new LabdeckError('environment-not-ready', 'There is no running cluster to clean up.', { action: 'Start the lab environment from the Start screen first.' });
  }
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const deleted: ObjectRef[] = [];
  for (const selector of selectors) {
    const targets: KubernetesObject[] = selector.name
      ? [{ apiVersion: selector.apiVersion, kind: selector.kind, metadata: { name: selector.name, ...(selector.namespace ? { namespace: selector.namespace } : {}) } }]
      : (await api.list(selector.apiVersion, selector.kind, selector.namespace, undefined, undefined, undefined, undefined, selector.labelSelector)).items.map((item) => ({
          apiVersion: selector.apiVersion,
          kind: selector.kind,
          metadata: { name: item.metadata?.name ?? '', ...(item.metadata?.namespace ? { namespace: item.metadata.namespace } : {}) },
        }));
    for (const target of targets) {
      try {
        await api.delete(target);
        const name = target.metadata?.name ?? '';
        const namespace = target.metadata?.namespace;
        deleted.push(namespace ? { kind: selector.kind, namespace, name } : { kind: selector.kind, name });
      } catch (error) {
        if ((error as { code?: number }).code === 404) continue;
        throw new LabdeckError('kubernetes-error', `Could not delete ${selector.kind} ${target.metadata?.name}: ${(error as Error).message}`, {
          action: 'Check that the cluster is running, then try the cleanup again.',
          cause: error,
        });
      }
    }
  }
  return deleted;
}
