import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import YAML from 'yaml';
import { labelSelectorMatcher } from '../../electron/node/checks/label-selector.ts';

/**
 * TEST DOUBLE — a stand-in for the Kubernetes API server, for tests only (never shipped).
 *
 * A real HTTP server on 127.0.0.1 that speaks enough of the Kubernetes REST API for @kubernetes/client-node
 * (informers, KubernetesObjectApi) and kubectl-style clients: discovery, list (labelSelector, fieldSelector
 * on metadata.name/namespace), get, watch (newline-delimited JSON events with resourceVersion resume),
 * create, replace, merge / server-side-apply patches, the status subresource and delete.
 *
 * It simulates NO controllers: nothing schedules pods, fills in status or garbage-collects children. Tests
 * set the state they need with setObjects / upsert / patchStatus / remove, and every change is streamed to
 * open watches exactly as the API server would stream it, so the code under test sees real events.
 */

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

export interface KubeApiTestDouble {
  /** Base URL, e.g. http://127.0.0.1:39213 */
  readonly url: string;
  /** A kubeconfig file whose current context points at this server (in a temp folder that stop() removes). */
  readonly kubeconfigPath: string;
  /** Writes another kubeconfig pointing at this server into dir; returns its path. */
  writeKubeconfig(dir: string): Promise<string>;
  /** Replaces every object (deletions, additions and changes are streamed to watches). */
  setObjects(objects: ReadonlyArray<Record<string, unknown>>): Promise<void>;
  /** Creates or replaces one object (status included). */
  upsert(object: Record<string, unknown>): Promise<TestObject>;
  /** Deletes one object; false when it did not exist. */
  remove(ref: TestObjectRef): Promise<boolean>;
  /** Replaces an object's status, as a controller would. */
  patchStatus(ref: TestObjectRef, status: Record<string, unknown>): Promise<TestObject>;
  /** A copy of every stored object. */
  objects(): TestObject[];
  /**
   * Answers `kubectl exec` / client-node Exec on pods (the v4 channel protocol over WebSocket). Without a
   * handler every exec exits 126 saying so.
   */
  onExec(handler: ExecHandler): void;
  /** Requests served so far, "METHOD path?query", for tests that assert what a client asked. */
  requests(): string[];
  stop(): Promise<void>;
  /** Same as stop(). */
  close(): Promise<void>;
}

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
}
export type ExecHandler = (request: ExecRequest) => { exitCode: number; output: string } | Promise<{ exitCode: number; output: string }>;

interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
}

const RESOURCE_TYPES: ResourceType[] = [
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

const apiVersionOf = (type: ResourceType): string => (type.group ? `${type.group}/${type.version}` : type.version);

function typeOfKind(kind: string, apiVersion?: string): ResourceType {
  const type = RESOURCE_TYPES.find((candidate) => candidate.kind === kind && (apiVersion === undefined || apiVersionOf(candidate) === apiVersion));
  if (!type) throw new Error(`The Kubernetes API test double does not serve ${apiVersion ?? ''} ${kind}; add it to RESOURCE_TYPES`);
  return type;
}

interface WatchEvent {
  resourceVersion: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: TestObject;
}

interface Watcher {
  type: ResourceType;
  namespace: string | undefined;
  matches: (object: TestObject) => boolean;
  send: (event: WatchEvent) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The API server's labelSelector parameter; an unparsable selector is a 400 as on a real API server. */
function parseLabelSelector(selector: string): (labels: Record<string, string>) => boolean {
  try {
    return labelSelectorMatcher(selector);
  } catch (error) {
    throw new HttpError(400, 'BadRequest', `unable to parse requirement: ${(error as Error).message}`);
  }
}

function parseFieldSelector(selector: string): (object: TestObject) => boolean {
  const checks = selector
    .split(',')
    .filter((part) => part.trim())
    .map((part) => {
      const match = part.trim().match(/^([^!=]+)(!=|==|=)(.*)$/);
      if (!match) throw new HttpError(400, 'BadRequest', `invalid field selector: ${part}`);
      const [, field = '', operator, value = ''] = match;
      const read = (object: TestObject): string => {
        let cursor: unknown = object;
        for (const key of field.split('.')) cursor = cursor !== null && typeof cursor === 'object' ? (cursor as Record<string, unknown>)[key] : undefined;
        return cursor === undefined || cursor === null ? '' : String(cursor);
      };
      return operator === '!=' ? (object: TestObject) => read(object) !== value : (object: TestObject) => read(object) === value;
    });
  return (object) => checks.every((check) => check(object));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Applied configuration merges into the live object: maps merge, lists and scalars replace. */
function mergeApplied(live: unknown, applied: unknown): unknown {
  if (!isPlainObject(applied)) return structuredClone(applied);
  const result: Record<string, unknown> = isPlainObject(live) ? { ...live } : {};
  for (const [key, value] of Object.entries(applied)) {
    if (value === null) delete result[key];
    else result[key] = mergeApplied(result[key], value);
  }
  return result;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseBody(text: string, contentType: string): Record<string, unknown> {
  try {
    const parsed: unknown = contentType.includes('yaml') ? YAML.parse(text) : JSON.parse(text);
    if (!isPlainObject(parsed)) throw new Error('the body is not an object');
    return parsed;
  } catch (error) {
    throw new HttpError(400, 'BadRequest', `cannot parse the request body: ${(error as Error).message}`);
  }
}

class Store {
  readonly #objects = new Map<string, TestObject>();
  readonly #history: WatchEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  #resourceVersion = 1;

  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  static key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${apiVersionOf(type)}/${type.kind}/${type.namespaced ? (namespace ?? 'default') : ''}/${name}`;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): TestObject | undefined {
    return this.#objects.get(Store.key(type, namespace, name));
  }

  list(type: ResourceType, namespace: string | undefined): TestObject[] {
    return [...this.#objects.values()].filter(
      (object) => object.kind === type.kind && object.apiVersion === apiVersionOf(type) && (namespace === undefined || object.metadata.namespace === namespace),
    );
  }

  all(): TestObject[] {
    return [...this.#objects.values()];
  }

  /** Stores an object as given (status included), stamping the metadata the API server owns. */
  put(input: Record<string, unknown>): TestObject {
    const apiVersion = String(input.apiVersion ?? '');
    const kind = String(input.kind ?? '');
    const type = typeOfKind(kind, apiVersion || undefined);
    const metadata = isPlainObject(input.metadata) ? { ...input.metadata } : {};
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    if (!name) throw new HttpError(422, 'Invalid', `${kind}: metadata.name: Required value`);
    if (type.namespaced) metadata.namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
    else delete metadata.namespace;
    const key = Store.key(type, metadata.namespace as string | undefined, name);
    const previous = this.#objects.get(key);
    const resourceVersion = ++this.#resourceVersion;
    const specChanged = previous === undefined || JSON.stringify(previous.spec) !== JSON.stringify(input.spec);
    const previousGeneration = typeof previous?.metadata.generation === 'number' ? previous.metadata.generation : 0;
    const object: TestObject = {
      ...structuredClone(input),
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: {
        ...structuredClone(metadata),
        name,
        uid: previous?.metadata.uid ?? (typeof metadata.uid === 'string' ? metadata.uid : randomUUID()),
        creationTimestamp: previous?.metadata.creationTimestamp ?? metadata.creationTimestamp ?? new Date().toISOString(),
        resourceVersion: String(resourceVersion),
        generation: previous ? (specChanged ? previousGeneration + 1 : previousGeneration) : typeof metadata.generation === 'number' ? metadata.generation : 1,
      },
    };
    this.#objects.set(key, object);
    this.#publish({ resourceVersion, type: previous ? 'MODIFIED' : 'ADDED', object });
    return object;
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): TestObject | undefined {
    const key = Store.key(type, namespace, name);
    const previous = this.#objects.get(key);
    if (!previous) return undefined;
    this.#objects.delete(key);
    const resourceVersion = ++this.#resourceVersion;
    const object = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(resourceVersion) } };
    this.#publish({ resourceVersion, type: 'DELETED', object });
    return object;
  }

  /** Events after resourceVersion for a watcher resuming, or undefined when history no longer reaches back. */
  since(resourceVersion: number): WatchEvent[] | undefined {
    const first = this.#history[0];
    if (first && first.resourceVersion > resourceVersion + 1 && this.#history.length >= HISTORY_LIMIT) return undefined;
    return this.#history.filter((event) => event.resourceVersion > resourceVersion);
  }

  addWatcher(watcher: Watcher): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  closeWatchers(): void {
    this.#watchers.clear();
  }

  #publish(event: WatchEvent): void {
    this.#history.push(event);
    if (this.#history.length > HISTORY_LIMIT) this.#history.shift();
    for (const watcher of this.#watchers) {
      if (watcher.type.kind !== event.object.kind || apiVersionOf(watcher.type) !== event.object.apiVersion) continue;
      if (watcher.namespace !== undefined && event.object.metadata.namespace !== watcher.namespace) continue;
      if (!watcher.matches(event.object)) continue;
      watcher.send(event);
    }
  }
}

const HISTORY_LIMIT = 5000;

function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function discovery(url: string): Record<string, unknown> | undefined {
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
function openApiV3(pathname: string): Record<string, unknown> | undefined {
  const groupVersions = [...new Set(RESOURCE_TYPES.map((type) => (type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`)))];
  if (pathname === '/openapi/v3') return { paths: Object.fromEntries(groupVersions.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=test-double` }])) };
  const gv = pathname.replace(/^\/openapi\/v3\//, '');
  if (!groupVersions.includes(gv)) return undefined;
  const types = RESOURCE_TYPES.filter((type) => (type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`) === gv);
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

type Column = { name: string; priority: number; cell: (object: TestObject) => string | number };

function field(object: unknown, ...keys: Array<string | number>): unknown {
  let cursor = object;
  for (const key of keys) cursor = cursor !== null && typeof cursor === 'object' ? (cursor as Record<string | number, unknown>)[key] : undefined;
  return cursor;
}

function age(object: TestObject): string {
  const created = Date.parse(String(object.metadata.creationTimestamp ?? ''));
  const seconds = Number.isNaN(created) ? 0 : Math.max(0, Math.round((Date.now() - created) / 1000));
  return seconds < 120 ? `${seconds}s` : seconds < 7200 ? `${Math.round(seconds / 60)}m` : `${Math.round(seconds / 3600)}h`;
}

/** The columns `kubectl get` prints for the kinds labs show most; other kinds get NAME and AGE. */
const TABLE_COLUMNS: Record<string, Column[]> = {
  Pod: [
    { name: 'Ready', priority: 0, cell: (o) => `${(field(o, 'status', 'containerStatuses') as Array<{ ready?: boolean }> | undefined)?.filter((c) => c.ready).length ?? (field(o, 'status', 'phase') === 'Running' ? 1 : 0)}/${(field(o, 'spec', 'containers') as unknown[] | undefined)?.length ?? 0}` },
    { name: 'Status', priority: 0, cell: (o) => String(field(o, 'status', 'phase') ?? 'Pending') },
    { name: 'Restarts', priority: 0, cell: () => 0 },
    { name: 'Age', priority: 0, cell: age },
    { name: 'IP', priority: 1, cell: (o) => String(field(o, 'status', 'podIP') ?? '<none>') },
    { name: 'Node', priority: 1, cell: (o) => String(field(o, 'spec', 'nodeName') ?? '<none>') },
  ],
  Deployment: [
    { name: 'Ready', priority: 0, cell: (o) => `${Number(field(o, 'status', 'readyReplicas') ?? 0)}/${Number(field(o, 'spec', 'replicas') ?? 1)}` },
    { name: 'Up-to-date', priority: 0, cell: (o) => Number(field(o, 'status', 'updatedReplicas') ?? 0) },
    { name: 'Available', priority: 0, cell: (o) => Number(field(o, 'status', 'availableReplicas') ?? 0) },
    { name: 'Age', priority: 0, cell: age },
  ],
  Service: [
    { name: 'Type', priority: 0, cell: (o) => String(field(o, 'spec', 'type') ?? 'ClusterIP') },
    { name: 'Cluster-IP', priority: 0, cell: (o) => String(field(o, 'spec', 'clusterIP') ?? '<none>') },
    { name: 'External-IP', priority: 0, cell: () => '<none>' },
    {
      name: 'Port(s)',
      priority: 0,
      cell: (o) =>
        ((field(o, 'spec', 'ports') as Array<{ port?: number; nodePort?: number; protocol?: string }> | undefined) ?? [])
          .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
          .join(','),
    },
    { name: 'Age', priority: 0, cell: age },
  ],
  Namespace: [
    { name: 'Status', priority: 0, cell: (o) => String(field(o, 'status', 'phase') ?? 'Active') },
    { name: 'Age', priority: 0, cell: age },
  ],
  Node: [
    { name: 'Status', priority: 0, cell: (o) => ((field(o, 'status', 'conditions') as Array<{ type?: string; status?: string }> | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Ready' : 'NotReady') },
    { name: 'Roles', priority: 0, cell: (o) => Object.keys(o.metadata.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.split('/')[1]).join(',') || '<none>' },
    { name: 'Age', priority: 0, cell: age },
    { name: 'Version', priority: 0, cell: (o) => String(field(o, 'status', 'nodeInfo', 'kubeletVersion') ?? 'v1.33.4') },
  ],
};

/** The server-side printing kubectl asks for (Accept: ...;as=Table). */
function asTable(type: ResourceType, objects: TestObject[], resourceVersion: number): Record<string, unknown> {
  const columns: Column[] = [{ name: 'Name', priority: 0, cell: (o) => o.metadata.name }, ...(TABLE_COLUMNS[type.kind] ?? [{ name: 'Age', priority: 0, cell: age }])];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(resourceVersion) },
    columnDefinitions: columns.map((column) => ({ name: column.name, type: 'string', format: column.name === 'Name' ? 'name' : '', description: '', priority: column.priority })),
    rows: objects.map((object) => ({
      cells: columns.map((column) => column.cell(object)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
    })),
  };
}

interface Route {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

function route(pathname: string): Route | undefined {
  const match = pathname.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+)(?=\/))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/);
  if (!match) return undefined;
  const [, coreVersion, group = '', groupVersion, namespace, plural, name, subresource] = match;
  const version = coreVersion ?? groupVersion ?? '';
  const type = RESOURCE_TYPES.find((candidate) => candidate.group === group && candidate.version === version && candidate.plural === plural);
  if (!type) return undefined;
  return { type, namespace: namespace === undefined ? undefined : decodeURIComponent(namespace), name: name === undefined ? undefined : decodeURIComponent(name), subresource };
}

function kubeconfigText(url: string): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain HTTP unless TLS verification is declared off; the double only listens on loopback.
    clusters: [{ name: 'test-double', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'test-double', user: { token: 'test-double-token' } }],
    contexts: [{ name: 'test-double', context: { cluster: 'test-double', user: 'test-double', namespace: 'default' } }],
    'current-context': 'test-double',
  });
}

/** Starts the test double on a free loopback port. */
export async function startKubeApiTestDouble(options: { objects?: ReadonlyArray<Record<string, unknown>>; /** Listen on this port (tests of reconnects start a second double where the first one was); default: any free port. */ port?: number } = {}): Promise<KubeApiTestDouble> {
  const store = new Store();
  const requestLog: string[] = [];
  const openResponses = new Set<ServerResponse>();
  for (const object of options.objects ?? []) store.put(object);

  const send = (response: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  };

  const list = (target: Route, query: URLSearchParams): TestObject[] => {
    const labels = query.get('labelSelector') ? parseLabelSelector(query.get('labelSelector') ?? '') : () => true;
    const fields = query.get('fieldSelector') ? parseFieldSelector(query.get('fieldSelector') ?? '') : () => true;
    return store
      .list(target.type, target.namespace)
      .filter((object) => labels(object.metadata.labels ?? {}) && fields(object))
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  };

  const watch = (target: Route, query: URLSearchParams, response: ServerResponse): void => {
    const labels = query.get('labelSelector') ? parseLabelSelector(query.get('labelSelector') ?? '') : () => true;
    const fields = query.get('fieldSelector') ? parseFieldSelector(query.get('fieldSelector') ?? '') : () => true;
    const matches = (object: TestObject) => labels(object.metadata.labels ?? {}) && fields(object) && (target.name === undefined || object.metadata.name === target.name);
    const requested = query.get('resourceVersion');
    let backlog: WatchEvent[];
    if (requested === null || requested === '' || requested === '0') {
      // No resume point: start with the current state, as synthetic ADDED events.
      backlog = list(target, query)
        .filter(matches)
        .map((object) => ({ resourceVersion: Number(object.metadata.resourceVersion), type: 'ADDED' as const, object }));
    } else {
      const since = store.since(Number(requested));
      if (since === undefined) {
        response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        response.end(`${JSON.stringify({ type: 'ERROR', object: statusBody(410, 'Expired', `too old resource version: ${requested}`) })}\n`);
        return;
      }
      backlog = since.filter(
        (event) =>
          event.object.kind === target.type.kind &&
          event.object.apiVersion === apiVersionOf(target.type) &&
          (target.namespace === undefined || event.object.metadata.namespace === target.namespace) &&
          matches(event.object),
      );
    }
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    response.flushHeaders();
    openResponses.add(response);
    const write = (event: WatchEvent) => response.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    for (const event of backlog) write(event);
    const unsubscribe = store.addWatcher({ type: target.type, namespace: target.namespace, matches, send: write });
    const close = () => {
      unsubscribe();
      openResponses.delete(response);
    };
    response.on('close', close);
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) setTimeout(() => response.end(), timeoutSeconds * 1000).unref();
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    requestLog.push(`${method} ${url.pathname}${url.search}`);
    const found = method === 'GET' ? discovery(url.pathname) : undefined;
    if (found) return send(response, 200, found);
    if (method === 'GET' && url.pathname.startsWith('/openapi/v3')) {
      const document = openApiV3(url.pathname);
      if (document) return send(response, 200, document);
    }
    if (url.pathname.startsWith('/openapi/')) return send(response, 404, statusBody(404, 'NotFound', 'the test double serves no such OpenAPI document'));
    const target = route(url.pathname);
    if (!target) throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    const { type, namespace, name, subresource } = target;
    const what = `${type.plural}${type.group ? `.${type.group}` : ''}`;
    const notFound = () => new HttpError(404, 'NotFound', `${what} "${name}" not found`);
    const query = url.searchParams;

    const wantsTable = (request.headers.accept ?? '').includes('as=Table');
    if (method === 'GET' && name === undefined) {
      if (query.get('watch') === 'true' || query.get('watch') === '1') return watch(target, query, response);
      const items = list(target, query);
      if (wantsTable) return send(response, 200, asTable(type, items, store.resourceVersion));
      return send(response, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(store.resourceVersion) }, items });
    }
    if (method === 'GET' && name !== undefined) {
      const object = store.get(type, namespace, name);
      if (!object) throw notFound();
      return send(response, 200, wantsTable ? asTable(type, [object], store.resourceVersion) : object);
    }
    if (method === 'POST' && name === undefined) {
      const body = parseBody(await readBody(request), request.headers['content-type'] ?? 'application/json');
      const metadata = isPlainObject(body.metadata) ? body.metadata : {};
      const objectName = typeof metadata.name === 'string' ? metadata.name : '';
      if (store.get(type, namespace ?? (metadata.namespace as string | undefined), objectName)) throw new HttpError(409, 'AlreadyExists', `${what} "${objectName}" already exists`);
      if (query.get('dryRun') === 'All') return send(response, 201, body);
      const created = store.put({ ...body, apiVersion: apiVersionOf(type), kind: type.kind, metadata: { ...metadata, ...(namespace ? { namespace } : {}) } });
      return send(response, 201, created);
    }
    if ((method === 'PUT' || method === 'PATCH') && name !== undefined) {
      const contentType = request.headers['content-type'] ?? 'application/json';
      const body = parseBody(await readBody(request), contentType);
      const live = store.get(type, namespace, name);
      const isApply = contentType.startsWith('application/apply-patch');
      if (!live && !(isApply || method === 'PUT')) throw notFound();
      let next: Record<string, unknown>;
      if (subresource === 'status') {
        if (!live) throw notFound();
        next = { ...live, status: method === 'PUT' ? body.status : mergeApplied(live.status, body.status) };
      } else if (method === 'PUT') {
        next = { ...body, ...(live && body.status === undefined ? { status: live.status } : {}) };
      } else {
        // Apply and merge patches change the object but never its status (that is a controller's field).
        const { status: _ignored, ...changes } = body;
        next = mergeApplied(live ?? {}, changes) as Record<string, unknown>;
        if (live?.status !== undefined) next.status = live.status;
        else delete next.status;
      }
      next.apiVersion = apiVersionOf(type);
      next.kind = type.kind;
      next.metadata = { ...(isPlainObject(next.metadata) ? next.metadata : {}), name, ...(namespace ? { namespace } : {}) };
      if (query.get('dryRun') === 'All') return send(response, 200, next);
      const stored = store.put(next);
      return send(response, live ? 200 : 201, stored);
    }
    if (method === 'DELETE' && name === undefined) {
      // deletecollection, as `kubectl delete pods -l app=nginx --all` may send it.
      const deleted = list(target, query).map((object) => store.delete(type, object.metadata.namespace, object.metadata.name));
      return send(response, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(store.resourceVersion) }, items: deleted });
    }
    if (method === 'DELETE' && name !== undefined) {
      const deleted = store.delete(type, namespace, name);
      if (!deleted) throw notFound();
      return send(response, 200, deleted);
    }
    throw new HttpError(405, 'MethodNotAllowed', `${method} is not supported on ${url.pathname}`);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.end();
      if (error instanceof HttpError) return send(response, error.status, statusBody(error.status, error.reason, error.message));
      send(response, 500, statusBody(500, 'InternalError', error instanceof Error ? error.message : String(error)));
    });
  });
  let execHandler: ExecHandler = () => ({ exitCode: 126, output: 'the Kubernetes API test double has no exec handler for this test' });
  // Exec streams are WebSockets speaking v4.channel.k8s.io: byte 1 = stdout, 3 = the final Status.
  const sockets = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requestLog.push(`UPGRADE ${url.pathname}${url.search}`);
    const match = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/);
    const pod = match ? store.get(typeOfKind('Pod', 'v1'), decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? '')) : undefined;
    if (!match || !pod) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const exec: ExecRequest = { namespace: pod.metadata.namespace ?? 'default', pod: pod.metadata.name, container: url.searchParams.get('container') ?? '', command: url.searchParams.getAll('command') };
      void Promise.resolve(execHandler(exec)).then(({ exitCode, output }) => {
        if (output) ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(output)]));
        const status =
          exitCode === 0
            ? { metadata: {}, status: 'Success' }
            : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: ${exitCode}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] } };
        ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
        ws.close();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const writeKubeconfig = async (dir: string): Promise<string> => {
    const file = path.join(dir, 'kubeconfig-test-double.yaml');
    await writeFile(file, kubeconfigText(url), { mode: 0o600 });
    return file;
  };
  const kubeconfigDir = await mkdtemp(path.join(tmpdir(), 'labdeck-kube-double-'));
  const kubeconfigPath = await writeKubeconfig(kubeconfigDir);

  const refType = (ref: TestObjectRef) => typeOfKind(ref.kind, ref.apiVersion);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    store.closeWatchers();
    for (const response of openResponses) response.end();
    for (const client of sockets.clients) client.terminate();
    sockets.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(kubeconfigDir, { recursive: true, force: true });
  };

  return {
    url,
    kubeconfigPath,
    writeKubeconfig,
    async setObjects(objects) {
      const wanted = new Set(
        objects.map((object) => {
          const type = typeOfKind(String(object.kind), String(object.apiVersion));
          const metadata = isPlainObject(object.metadata) ? object.metadata : {};
          return Store.key(type, metadata.namespace as string | undefined, String(metadata.name));
        }),
      );
      for (const existing of store.all()) {
        const type = typeOfKind(existing.kind, existing.apiVersion);
        if (!wanted.has(Store.key(type, existing.metadata.namespace, existing.metadata.name))) store.delete(type, existing.metadata.namespace, existing.metadata.name);
      }
      for (const object of objects) {
        const type = typeOfKind(String(object.kind), String(object.apiVersion));
        const metadata = isPlainObject(object.metadata) ? object.metadata : {};
        const live = store.get(type, metadata.namespace as string | undefined, String(metadata.name));
        // Unchanged objects produce no event, like a real API server receiving an identical update.
        if (live && sameContent(live, object)) continue;
        store.put(object);
      }
    },
    async upsert(object) {
      return structuredClone(store.put(object));
    },
    async remove(ref) {
      return store.delete(refType(ref), ref.namespace, ref.name) !== undefined;
    },
    async patchStatus(ref, status) {
      const live = store.get(refType(ref), ref.namespace, ref.name);
      if (!live) throw new Error(`${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} does not exist in the test double`);
      return structuredClone(store.put({ ...live, status }));
    },
    onExec(handler) {
      execHandler = handler;
    },
    objects: () => structuredClone(store.all()),
    requests: () => [...requestLog],
    stop,
    close: stop,
  };
}

const SERVER_FIELDS = ['uid', 'resourceVersion', 'creationTimestamp', 'generation'];

function sameContent(live: TestObject, wanted: Record<string, unknown>): boolean {
  const strip = (object: Record<string, unknown>) => {
    const metadata = isPlainObject(object.metadata) ? { ...object.metadata } : {};
    for (const field of SERVER_FIELDS) delete metadata[field];
    if (metadata.namespace === undefined) delete metadata.namespace;
    return canonicalJson({ ...object, metadata });
  };
  const normalizedWanted = { ...wanted, metadata: { ...(isPlainObject(wanted.metadata) ? wanted.metadata : {}) } };
  const type = typeOfKind(live.kind, live.apiVersion);
  if (type.namespaced && normalizedWanted.metadata.namespace === undefined) normalizedWanted.metadata.namespace = 'default';
  return strip({ ...live }) === strip(normalizedWanted);
}

/** JSON with sorted keys, so equal objects compare equal whatever order their fields were written in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
