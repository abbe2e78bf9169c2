import type { CheckStatus } from '../../common/api/labs.ts';
import type { ObjectSelector } from '../course-format/check-spec.ts';
import type { KubeObject } from './check-world.ts';

/** What an evaluator decides about one check, before it is stamped with lab, step and time. */
export interface Verdict {
  status: CheckStatus;
  message: string;
  evidence?: unknown;
  /** The `hint` of the assertion that failed, when it has one; it wins over the step's hints for the check. */
  hint?: string;
}

/** "Pod nginx-kubectl in namespace default", "Pods with labels app=nginx in any namespace", "Namespace production". */
export function describeSelection(selector: ObjectSelector): string {
  const where = selector.namespace ? ` in namespace ${selector.namespace}` : '';
  if (selector.name) return `${selector.kind} ${selector.name}${where}`;
  const labels = selector.labelSelector ? ` with labels ${selector.labelSelector}` : '';
  return `${selector.kind} objects${labels}${selector.namespace ? where : ' in any namespace'}`;
}

/** Kinds that live outside namespaces: "in any namespace" would only confuse. */
const CLUSTER_SCOPED = new Set(['Node', 'Namespace', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding']);

export function notFoundMessage(selector: ObjectSelector): string {
  const where = selector.namespace ? ` in namespace ${selector.namespace}` : '';
  if (selector.name) return `${selector.kind} ${selector.name} not found${where}`;
  const labels = selector.labelSelector ? ` with labels ${selector.labelSelector}` : '';
  return `No ${selector.kind}${labels} found${selector.namespace ? where : CLUSTER_SCOPED.has(selector.kind) ? ' in the cluster' : ' in any namespace'}`;
}

export function objectName(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

const NOISY_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The object as evidence: everything a check could have judged, minus bookkeeping nobody reads. */
export function objectEvidence(object: KubeObject): KubeObject {
  const { managedFields: _managed, annotations, ...metadata } = object.metadata as KubeObject['metadata'] & { managedFields?: unknown; annotations?: Record<string, string> };
  const keptAnnotations = annotations ? Object.fromEntries(Object.entries(annotations).filter(([key]) => key !== NOISY_ANNOTATION)) : undefined;
  return { ...object, metadata: { ...metadata, ...(keptAnnotations && Object.keys(keptAnnotations).length > 0 ? { annotations: keptAnnotations } : {}) } };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
}

/** Keeps probe/HTTP output readable in a result: the tail is where the answer usually is. */
export function clip(text: string, limit = 4000): string {
  return text.length <= limit ? text : `…${text.slice(text.length - limit)}`;
}
