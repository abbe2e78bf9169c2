/** The kinds the Kubernetes API test double serves, and the object shape it stores. */

export interface TestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Names one object; namespace defaults to "default" for namespaced kinds. */
export interface TestObjectRef {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
}

export const RESOURCE_TYPES: ResourceType[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'] },
  { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'] },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'] },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'] },
  { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'] },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'] },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'] },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'] },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'] },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
];

export const apiVersionOf = (type: ResourceType): string => (type.group ? `${type.group}/${type.version}` : type.version);

/** The path segment of a type's group version: `api/v1` or `apis/<group>/<version>`. */
export const groupVersionPath = (type: ResourceType): string => (type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`);

export function typeOfKind(kind: string, apiVersion?: string): ResourceType {
  const type = RESOURCE_TYPES.find((candidate) => candidate.kind === kind && (apiVersion === undefined || apiVersionOf(candidate) === apiVersion));
  if (!type) throw new Error(`The Kubernetes API test double does not serve ${apiVersion ?? ''} ${kind}; add it to RESOURCE_TYPES`);
  return type;
}

/** Whether an object is of this type and, when a namespace is given, in it. */
export function isOfType(object: TestObject, type: ResourceType, namespace: string | undefined): boolean {
  return object.kind === type.kind && object.apiVersion === apiVersionOf(type) && (namespace === undefined || object.metadata.namespace === namespace);
}
