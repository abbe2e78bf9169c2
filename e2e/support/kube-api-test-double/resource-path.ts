import { RESOURCE_TYPES, type ResourceType } from './resource-types.ts';

/** What a resource URL names: `/api/v1/namespaces/default/pods/web/status` and the like. */
export interface ResourcePath {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

/** Reads a resource URL's path; undefined when it names no type the double serves. */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const match = pathname.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+)(?=\/))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/);
  if (!match) return undefined;
  const [, coreVersion, group = '', groupVersion, namespace, plural, name, subresource] = match;
  const version = coreVersion ?? groupVersion ?? '';
  const type = RESOURCE_TYPES.find((candidate) => candidate.group === group && candidate.version === version && candidate.plural === plural);
  if (!type) return undefined;
  return { type, namespace: namespace === undefined ? undefined : decodeURIComponent(namespace), name: name === undefined ? undefined : decodeURIComponent(name), subresource };
}
