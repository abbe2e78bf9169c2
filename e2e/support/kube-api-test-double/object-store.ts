import { randomUUID } from 'node:crypto';
import { HttpError } from './http-io.ts';
import { canonicalJson, isPlainObject } from './object-content.ts';
import { apiVersionOf, isOfType, typeOfKind, type ResourceType, type TestObject } from './resource-types.ts';

export interface WatchEvent {
  resourceVersion: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: TestObject;
}

export interface Watcher {
  type: ResourceType;
  namespace: string | undefined;
  matches: (object: TestObject) => boolean;
  send: (event: WatchEvent) => void;
}

/** How many events a watch can resume across; an older resourceVersion gets 410 Gone, as after etcd compaction. */
const HISTORY_LIMIT = 5000;

/** The metadata the API server owns, ignored when comparing what a test wants with what is stored. */
const SERVER_FIELDS = ['uid', 'resourceVersion', 'creationTimestamp', 'generation'];

/**
 * The objects, the resourceVersion counter and the event history: every change becomes an event sent to the
 * open watches it matches and kept for watches that resume.
 */
export class Store {
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

  /** The key of an object given as plain data (its kind must be one the double serves). */
  static keyOf(object: Record<string, unknown>): string {
    const type = typeOfKind(String(object.kind), String(object.apiVersion));
    const metadata = isPlainObject(object.metadata) ? object.metadata : {};
    return Store.key(type, metadata.namespace as string | undefined, String(metadata.name));
  }

  get(type: ResourceType, namespace: string | undefined, name: string): TestObject | undefined {
    return this.#objects.get(Store.key(type, namespace, name));
  }

  list(type: ResourceType, namespace: string | undefined): TestObject[] {
    return [...this.#objects.values()].filter((object) => isOfType(object, type, namespace));
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

  /**
   * Makes the stored objects exactly these: the others are deleted, and only new or changed ones are
   * stored, so an unchanged object produces no event, like a real API server receiving an identical update.
   */
  replaceAll(objects: ReadonlyArray<Record<string, unknown>>): void {
    const wanted = new Set(objects.map((object) => Store.keyOf(object)));
    for (const existing of this.all()) {
      if (!wanted.has(Store.keyOf(existing))) this.delete(typeOfKind(existing.kind, existing.apiVersion), existing.metadata.namespace, existing.metadata.name);
    }
    for (const object of objects) {
      const live = this.#objects.get(Store.keyOf(object));
      if (live && sameContent(live, object)) continue;
      this.put(object);
    }
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
      if (!isOfType(event.object, watcher.type, watcher.namespace)) continue;
      if (!watcher.matches(event.object)) continue;
      watcher.send(event);
    }
  }
}

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
