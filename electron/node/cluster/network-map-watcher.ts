import {
  CoreV1Api,
  DiscoveryV1Api,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
  type V1Endpoints,
  type V1EndpointSlice,
  type V1Node,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import type { NetworkMap } from '../../common/api/cluster.ts';
import { buildNetworkMap } from './network-map.ts';

type WatchedInformer<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

const RESTART_DELAY_MS = 3_000;

/**
 * Keeps nodes, pods, services and their endpoints of one cluster in informer caches and reports every
 * change. Nodes, pods and services must be listable for the map to be available; Endpoints and
 * EndpointSlices are best effort (one of them is enough).
 */
export class NetworkMapWatcher {
  readonly #informers: WatchedInformer<KubernetesObject>[] = [];
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  #stopped = false;
  readonly #nodes: WatchedInformer<V1Node>;
  readonly #pods: WatchedInformer<V1Pod>;
  readonly #services: WatchedInformer<V1Service>;
  readonly #endpoints: WatchedInformer<V1Endpoints>;
  readonly #endpointSlices: WatchedInformer<V1EndpointSlice>;

  constructor(
    kubeConfig: KubeConfig,
    private readonly onChange: () => void,
  ) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
    this.#nodes = this.#watch(makeInformer(kubeConfig, '/api/v1/nodes', () => core.listNode()));
    this.#pods = this.#watch(makeInformer(kubeConfig, '/api/v1/pods', () => core.listPodForAllNamespaces()));
    this.#services = this.#watch(makeInformer(kubeConfig, '/api/v1/services', () => core.listServiceForAllNamespaces()));
    this.#endpoints = this.#watch(makeInformer(kubeConfig, '/api/v1/endpoints', () => core.listEndpointsForAllNamespaces()));
    this.#endpointSlices = this.#watch(
      makeInformer(kubeConfig, '/apis/discovery.k8s.io/v1/endpointslices', () => discovery.listEndpointSliceForAllNamespaces()),
    );
  }

  /** Resolves once the required kinds are listed; rejects with the first failure among them. */
  async start(): Promise<void> {
    const [nodes, pods, services, endpoints, slices] = await Promise.allSettled(this.#informers.map((informer) => informer.start()));
    for (const required of [nodes, pods, services]) if (required?.status === 'rejected') throw required.reason;
    if (endpoints?.status === 'rejected' && slices?.status === 'rejected') throw endpoints.reason;
  }

  snapshot(): NetworkMap {
    return buildNetworkMap({
      nodes: this.#nodes.list(),
      pods: this.#pods.list(),
      services: this.#services.list(),
      endpoints: this.#endpoints.list(),
      endpointSlices: this.#endpointSlices.list(),
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#restartTimers.clear();
    await Promise.allSettled(this.#informers.map((informer) => informer.stop()));
  }

  #watch<T extends KubernetesObject>(informer: WatchedInformer<T>): WatchedInformer<T> {
    const changed = () => this.onChange();
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', changed);
    // An informer stops on a watch error (API server restart, network blip); start it again after a pause.
    informer.on('error', () => {
      if (this.#stopped) return;
      const timer = setTimeout(() => {
        this.#restartTimers.delete(timer);
        if (!this.#stopped) informer.start().catch(() => undefined);
      }, RESTART_DELAY_MS);
      this.#restartTimers.add(timer);
    });
    this.#informers.push(informer as unknown as WatchedInformer<KubernetesObject>);
    return informer;
  }
}
