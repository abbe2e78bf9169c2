import { groupVersionPath, RESOURCE_TYPES, type ResourceType } from './resource-types.ts';

/** The discovery documents (`/api`, `/apis`, `/version`, each group version's resource list); undefined for other paths. */
export function discovery(url: string): Record<string, unknown> | undefined {
  if (url === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  if (url === '/version') return { major: '1', minor: '31', gitVersion: 'v1.31.0+labdeck-test-double', platform: 'linux/amd64' };
  const groups = [...new Set(RESOURCE_TYPES.filter((type) => type.group).map((type) => type.group))];
  if (url === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((group) => ({ name: group, versions: [{ groupVersion: `${group}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${group}/v1`, version: 'v1' } })),
    };
  }
  const match = url.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/);
  if (!match) return undefined;
  const group = match[2] ?? '';
  const version = match[1] ?? match[3] ?? '';
  const types = RESOURCE_TYPES.filter((type) => type.group === group && type.version === version);
  if (types.length === 0) return undefined;
  const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap((type) => [
      { name: type.plural, singularName: type.kind.toLowerCase(), namespaced: type.namespaced, kind: type.kind, verbs, ...(type.shortNames ? { shortNames: type.shortNames } : {}) },
      { name: `${type.plural}/status`, singularName: '', namespaced: type.namespaced, kind: type.kind, verbs: ['get', 'patch', 'update'] },
    ]),
  };
}

/**
 * Just enough OpenAPI v3 for kubectl: every kind accepts any fields (the double validates nothing), and its
 * PATCH operations declare `fieldValidation`, which tells kubectl to leave validation to the server.
 */
export function openApiV3(pathname: string): Record<string, unknown> | undefined {
  const groupVersions = [...new Set(RESOURCE_TYPES.map(groupVersionPath))];
  if (pathname === '/openapi/v3') return { paths: Object.fromEntries(groupVersions.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=test-double` }])) };
  const gv = pathname.replace(/^\/openapi\/v3\//, '');
  if (!groupVersions.includes(gv)) return undefined;
  const types = RESOURCE_TYPES.filter((type) => groupVersionPath(type) === gv);
  const schemaName = (type: ResourceType) => `io.k8s.test-double.${type.group || 'core'}.${type.version}.${type.kind}`;
  const gvk = (type: ResourceType) => ({ group: type.group, version: type.version, kind: type.kind });
  const operation = (type: ResourceType) => ({
    parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
    'x-kubernetes-group-version-kind': gvk(type),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName(type)}` } } } } },
  });
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes API test double', version: 'v1.31.0' },
    paths: Object.fromEntries(
      types.map((type) => [`/${gv}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}/{name}`, { patch: operation(type), put: operation(type) }]),
    ),
    components: {
      schemas: Object.fromEntries(
        types.map((type) => [schemaName(type), { type: 'object', 'x-kubernetes-group-version-kind': [gvk(type)], 'x-kubernetes-preserve-unknown-fields': true }]),
      ),
    },
  };
}
