import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from './check-world.ts';
import { asPlainObject, KindPaths, kindKey } from './kube-objects.ts';

export interface ObjectChange {
  type: 'add' | 'update' | 'delete';
  kindKey: string;
  object: KubeObject;
}

export interface WatchedKind {
  apiVersion: string;
  kind: string;
}

interface KindInformer {
  kind: WatchedKind;
  informer: ListWatch<KubernetesObject> | undefined;
  synced: boolean;
  error: string | undefined;
  retryDelayMs: number;
  retryTimer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * One client-node informer (list + watch, all namespaces) per kind the active labs reference, and nothing
 * else. Changes are pushed to `onChange`; a watch that fails is restarted with backoff.
 */
export class InformerCache {
  readonly #kubeConfig: KubeConfig;
  readonly #paths: KindPaths;
  readonly #onChange: (change: ObjectChange) => void;
  readonly #informers = new Map<string, KindInformer>();

  constructor(kubeConfig: KubeConfig, onChange: (change: ObjectChange) => void) {
    this.#kubeConfig = kubeConfig;
    this.#paths = KindPaths.forConfig(kubeConfig);
    this.#onChange = onChange;
  }

  /** Watches exactly these kinds: starts missing informers (resolving after their first list), stops the rest. */
  async watch(kinds: readonly WatchedKind[]): Promise<void> {
    const wanted = new Map(kinds.map((kind) => [kindKey(kind.apiVersion, kind.kind), kind]));
    for (const [key, entry] of this.#informers) {
      if (!wanted.has(key)) {
        this.#informers.delete(key);
        await this.#stopOne(entry);
      }
    }
    const starting: Array<Promise<void>> = [];
    for (const [key, kind] of wanted) {
      if (this.#informers.has(key)) continue;
      const entry: KindInformer = { kind, informer: undefined, synced: false, error: undefined, retryDelayMs: FIRST_RETRY_MS, retryTimer: undefined, stopped: false };
      this.#informers.set(key, entry);
      starting.push(this.#start(entry));
    }
    await Promise.all(starting);
  }

  watchedKinds(): string[] {
    return [...this.#informers.keys()];
  }

  /** Cached objects of a kind; undefined while that kind is not (yet) synced, with the reason. */
  list(apiVersion: string, kind: string): { objects: KubeObject[] } | { objects: undefined; reason: string } {
    const entry = this.#informers.get(kindKey(apiVersion, kind));
    if (!entry) return { objects: undefined, reason: `${kind} is not watched` };
    if (!entry.synced || !entry.informer) return { objects: undefined, reason: entry.error ?? `still reading ${kind} objects from the cluster` };
    return { objects: entry.informer.list().map((object) => asPlainObject(object, apiVersion, kind)) };
  }

  async stop(): Promise<void> {
    const entries = [...this.#informers.values()];
    this.#informers.clear();
    await Promise.all(entries.map((entry) => this.#stopOne(entry)));
  }

  async #stopOne(entry: KindInformer): Promise<void> {
    entry.stopped = true;
    if (entry.retryTimer) clearTimeout(entry.retryTimer);
    await entry.informer?.stop();
  }

  async #start(entry: KindInformer): Promise<void> {
    const { apiVersion, kind } = entry.kind;
    const key = kindKey(apiVersion, kind);
    try {
      const path = await this.#paths.collectionPath(apiVersion, kind);
      if (entry.stopped) return;
      const informer = new ListWatch<KubernetesObject>(path, new Watch(this.#kubeConfig), () => this.#paths.list(apiVersion, kind), false);
      entry.informer = informer;
      const emit = (type: ObjectChange['type']) => (object: KubernetesObject) => {
        // The first list is not news: whoever called watch() evaluates everything once it resolves.
        if (!entry.stopped && entry.synced) this.#onChange({ type, kindKey: key, object: asPlainObject(object, apiVersion, kind) });
      };
      informer.on('add', emit('add'));
      informer.on('update', emit('update'));
      informer.on('delete', emit('delete'));
      informer.on('error', (error: unknown) => this.#failed(entry, error));
      await informer.start();
      if (entry.stopped) return;
      // start() resolves once the list is cached and the watch is open; a failed list reports through 'error'.
      if (entry.error === undefined) {
        entry.synced = true;
        const recovered = entry.retryDelayMs !== FIRST_RETRY_MS;
        entry.retryDelayMs = FIRST_RETRY_MS;
        // After an outage, anything may have changed while nobody watched.
        if (recovered) this.#kindChanged(entry);
      }
    } catch (error) {
      this.#failed(entry, error);
    }
  }

  #failed(entry: KindInformer, error: unknown): void {
    if (entry.stopped) return;
    entry.synced = false;
    entry.error = `cannot watch ${entry.kind.kind} objects: ${error instanceof Error ? error.message : String(error)}`;
    const delay = entry.retryDelayMs;
    entry.retryDelayMs = Math.min(entry.retryDelayMs * 2, MAX_RETRY_MS);
    if (entry.retryTimer) clearTimeout(entry.retryTimer);
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = undefined;
      entry.error = undefined;
      void entry.informer?.stop();
      void this.#start(entry);
    }, delay);
    entry.retryTimer.unref();
    // Checks reading this kind must learn that it is unavailable.
    this.#kindChanged(entry);
  }

  /** A change with an empty name stands for "every object of this kind may have changed". */
  #kindChanged(entry: KindInformer): void {
    this.#onChange({ type: 'update', kindKey: kindKey(entry.kind.apiVersion, entry.kind.kind), object: { apiVersion: entry.kind.apiVersion, kind: entry.kind.kind, metadata: { name: '' } } });
  }
}
