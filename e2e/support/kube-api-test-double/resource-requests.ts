import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readObjectBody, sendJson } from './http-io.ts';
import { isPlainObject, mergeApplied } from './object-content.ts';
import type { Store } from './object-store.ts';
import type { ResourcePath } from './resource-path.ts';
import { apiVersionOf, type ResourceType, type TestObject } from './resource-types.ts';
import { selectObjects } from './selectors.ts';
import { asTable } from './table.ts';
import type { WatchStreams } from './watch-streams.ts';

/** The REST verbs on a resource path: list, watch, get, create, replace, patch (merge and apply), delete. */
export async function serveResource(store: Store, watches: WatchStreams, target: ResourcePath, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const method = request.method ?? 'GET';
  const { type, namespace, name } = target;
  const query = url.searchParams;
  const wantsTable = (request.headers.accept ?? '').includes('as=Table');
  const list = (items: Array<TestObject | undefined>) => ({ kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(store.resourceVersion) }, items });

  if (method === 'GET' && name === undefined) {
    if (query.get('watch') === 'true' || query.get('watch') === '1') return watches.open(target, query, response);
    const items = selectObjects(store, type, namespace, query);
    return sendJson(response, 200, wantsTable ? asTable(type, items, store.resourceVersion) : list(items));
  }
  if (method === 'GET' && name !== undefined) {
    const object = store.get(type, namespace, name);
    if (!object) throw notFound(type, name);
    return sendJson(response, 200, wantsTable ? asTable(type, [object], store.resourceVersion) : object);
  }
  if (method === 'POST' && name === undefined) return create(store, target, request, response, query);
  if ((method === 'PUT' || method === 'PATCH') && name !== undefined) return update(store, { ...target, name }, request, response, query);
  if (method === 'DELETE' && name === undefined) {
    // deletecollection, as `kubectl delete pods -l app=nginx --all` may send it.
    const deleted = selectObjects(store, type, namespace, query).map((object) => store.delete(type, object.metadata.namespace, object.metadata.name));
    return sendJson(response, 200, list(deleted));
  }
  if (method === 'DELETE' && name !== undefined) {
    const deleted = store.delete(type, namespace, name);
    if (!deleted) throw notFound(type, name);
    return sendJson(response, 200, deleted);
  }
  throw new HttpError(405, 'MethodNotAllowed', `${method} is not supported on ${url.pathname}`);
}

/** `pods`, `deployments.apps`: how the API server names a resource in its messages. */
function resourceName(type: ResourceType): string {
  return `${type.plural}${type.group ? `.${type.group}` : ''}`;
}

function notFound(type: ResourceType, name: string): HttpError {
  return new HttpError(404, 'NotFound', `${resourceName(type)} "${name}" not found`);
}

async function create(store: Store, target: ResourcePath, request: IncomingMessage, response: ServerResponse, query: URLSearchParams): Promise<void> {
  const { type, namespace } = target;
  const body = await readObjectBody(request);
  const metadata = isPlainObject(body.metadata) ? body.metadata : {};
  const objectName = typeof metadata.name === 'string' ? metadata.name : '';
  if (store.get(type, namespace ?? (metadata.namespace as string | undefined), objectName)) throw new HttpError(409, 'AlreadyExists', `${resourceName(type)} "${objectName}" already exists`);
  if (query.get('dryRun') === 'All') return sendJson(response, 201, body);
  const created = store.put({ ...body, apiVersion: apiVersionOf(type), kind: type.kind, metadata: { ...metadata, ...(namespace ? { namespace } : {}) } });
  return sendJson(response, 201, created);
}

/** PUT and PATCH of an object or its status; server-side apply and PUT create a missing object. */
async function update(
  store: Store,
  target: ResourcePath & { name: string },
  request: IncomingMessage,
  response: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const { type, namespace, name, subresource } = target;
  const method = request.method ?? 'GET';
  const contentType = request.headers['content-type'] ?? 'application/json';
  const body = await readObjectBody(request);
  const live = store.get(type, namespace, name);
  const isApply = contentType.startsWith('application/apply-patch');
  if (!live && !(isApply || method === 'PUT')) throw notFound(type, name);
  let next: Record<string, unknown>;
  if (subresource === 'status') {
    if (!live) throw notFound(type, name);
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
  if (query.get('dryRun') === 'All') return sendJson(response, 200, next);
  const stored = store.put(next);
  return sendJson(response, live ? 200 : 201, stored);
}
