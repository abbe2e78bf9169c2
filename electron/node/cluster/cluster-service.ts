import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { EventSink } from '../../common/api/contract.ts';
import type { ManifestOutcome, ManifestProblem, NetworkMap, PacketPath } from '../../common/api/cluster.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ClusterAccess, CommandLog, LabContainers } from '../backend/ports.ts';
import { ManifestChecker } from '../workers/manifest-checker.ts';
import { problemsFromApiError, statusCodeOf } from './api-problems.ts';
import { bundledKubernetesSchema, getJson, schemaFromOpenApiV2, type JsonSchema } from './kube-schema.ts';
import { manifestDocument, type ManifestDocument, type ManifestObject } from './manifest-documents.ts';
import { unavailableMap } from './network-map.ts';
import { NetworkMapWatcher } from './network-map-watcher.ts';
import { LabSurroundingsReader } from './lab-surroundings.ts';
import { PacketTracer } from './packet-path/packet-tracer.ts';
import type { OpenShellChannel } from './packet-path/reader-shell.ts';

export const FIELD_MANAGER = 'labdeck';
const MAP_DEBOUNCE_MS = 250;

type AppliedObject = ManifestOutcome['objects'][number];
export interface DiffDocument {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  live: string | null;
  proposed: string;
}

/**
 * What the YAML editor and the network map need from the cluster: apply, delete and diff manifests the
 * attendee edited, a schema for completion, and a live picture of nodes, pods and services.
 */
export class ClusterService {
  readonly #cluster: ClusterAccess;
  readonly #events: EventSink;
  readonly #unsubscribe: () => void;
  #watcher: NetworkMapWatcher | null = null;
  #map: NetworkMap = unavailableMap('Looking for the lab cluster…');
  /** The map as the API server describes it, before the containers' own facts are merged in. */
  #apiMap: NetworkMap = this.#map;
  readonly #surroundings: LabSurroundingsReader | null;
  readonly #tracer: PacketTracer | null;
  #mapTimer: NodeJS.Timeout | null = null;
  #schema: Promise<{ source: 'live' | 'bundled'; schema: JsonSchema }> | null = null;
  /** Bumped on every cluster change so a slow start for an old cluster cannot overwrite a newer one. */
  #generation = 0;
  #disposed = false;
  readonly #objectApis = new WeakMap<KubeConfig, KubernetesObjectApi>();
  #liveSchema: JsonSchema | null = null;
  readonly #checker: ManifestChecker;

  constructor(options: { cluster: ClusterAccess; events: EventSink; checker?: ManifestChecker; containers?: LabContainers; commandLog?: CommandLog; readerShell?: OpenShellChannel }) {
    this.#cluster = options.cluster;
    this.#surroundings = options.containers ? new LabSurroundingsReader(options.containers) : null;
    this.#tracer = options.containers
      ? new PacketTracer({
          containers: options.containers,
          map: () => this.#map,
          emit: (path) => this.#events.emit('cluster.path', path),
          ...(options.commandLog ? { commandLog: options.commandLog } : {}),
          ...(options.readerShell ? { openShell: options.readerShell } : {}),
        })
      : null;
    this.#tracer?.start();
    this.#events = options.events;
    this.#checker = options.checker ?? new ManifestChecker();
    this.#unsubscribe = this.#cluster.onChange(() => void this.#restartWatch());
    void this.#restartWatch();
  }

  /**
   * Parses and validates without contacting the cluster, off the event loop for anything but small texts
   * (workers/manifest-checker.ts), against the live cluster's schema once it has been loaded (it knows fields
   * newer than the bundled one).
   */
  async validate(text: string): Promise<ManifestProblem[]> {
    return this.#checker.problems(text);
  }

  async apply(text: string): Promise<ManifestOutcome> {
    const prepared = await this.#prepare(text);
    if ('problems' in prepared) return { ok: false, objects: [], problems: prepared.problems };
    const api = await this.#objectApi();
    const objects: AppliedObject[] = [];
    const problems: ManifestProblem[] = [];
    for (const document of prepared.documents) {
      try {
        const before = await readOrNull(api, document.object);
        const after = await serverSideApply(api, document.object, false);
        const action = before === null ? 'created' : sameDesiredState(before, after) ? 'unchanged' : 'configured';
        objects.push(describe(document.object, after, action));
      } catch (error) {
        problems.push(...problemsFromApiError(error, document));
      }
    }
    return { ok: problems.length === 0, objects, problems };
  }

  async delete(text: string): Promise<ManifestOutcome> {
    const prepared = await this.#prepare(text);
    if ('problems' in prepared) return { ok: false, objects: [], problems: prepared.problems };
    const api = await this.#objectApi();
    const objects: AppliedObject[] = [];
    const problems: ManifestProblem[] = [];
    // Reverse order, like kubectl: a namespace listed first is deleted after what lives in it.
    for (const document of [...prepared.documents].reverse()) {
      try {
        await api.delete(document.object);
        objects.push(describe(document.object, document.object, 'deleted'));
      } catch (error) {
        if (statusCodeOf(error) === 404) objects.push(describe(document.object, document.object, 'not-found'));
        else problems.push(...problemsFromApiError(error, document));
      }
    }
    return { ok: problems.length === 0, objects: objects.reverse(), problems };
  }

  async diff(text: string): Promise<{ documents: DiffDocument[]; problems: ManifestProblem[] }> {
    const prepared = await this.#prepare(text);
    if ('problems' in prepared) return { documents: [], problems: prepared.problems };
    const api = await this.#objectApi();
    const documents: DiffDocument[] = [];
    const problems: ManifestProblem[] = [];
    for (const document of prepared.documents) {
      try {
        const live = await readOrNull(api, document.object);
        const proposed = await serverSideApply(api, document.object, true);
        const { apiVersion, kind, metadata } = document.object;
        documents.push({
          apiVersion,
          kind,
          ...(proposed.metadata?.namespace ? { namespace: proposed.metadata.namespace } : metadata.namespace ? { namespace: metadata.namespace } : {}),
          name: metadata.name,
          live: live === null ? null : toComparableYaml(live),
          proposed: toComparableYaml(proposed),
        });
      } catch (error) {
        problems.push(...problemsFromApiError(error, document));
      }
    }
    return { documents, problems };
  }

  /** The live cluster's schema when its API server answers, the bundled one otherwise. */
  async schema(): Promise<{ source: 'live' | 'bundled'; schema: JsonSchema }> {
    this.#schema ??= this.#loadSchema();
    const result = await this.#schema;
    // A bundled answer is not cached for good: the cluster may come up later.
    if (result.source === 'bundled') this.#schema = null;
    return result;
  }

  map(): NetworkMap {
    return this.#map;
  }

  /** Traces the last request a terminal sent, now (the map's "Trace again"); null when there is none or no tracer. */
  async tracePath(): Promise<PacketPath | null> {
    return this.#tracer ? this.#tracer.traceLast() : null;
  }

  /** The tracer, for tests and benchmarks that send their own requests. */
  get tracer(): PacketTracer | null {
    return this.#tracer;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#unsubscribe();
    this.#tracer?.dispose();
    if (this.#mapTimer) clearTimeout(this.#mapTimer);
    const watcher = this.#watcher;
    this.#watcher = null;
    await Promise.all([watcher?.stop(), this.#checker.dispose()]);
  }

  /** One parse for validation and the objects to send; none at all when the editor just validated this text. */
  async #prepare(text: string): Promise<{ documents: ManifestDocument[] } | { problems: ManifestProblem[] }> {
    const { problems, documents } = await this.#checker.analyze(text);
    if (problems.length > 0) return { problems };
    if (documents.length === 0) {
      return { problems: [{ line: 1, column: 1, message: 'The manifest has no objects to send.', source: 'yaml' }] };
    }
    return { documents: documents.map(manifestDocument) };
  }

  async #kubeConfig(): Promise<KubeConfig> {
    const kubeConfig = await this.#cluster.kubeConfig();
    if (!kubeConfig) {
      throw new LabdeckError('environment-not-ready', 'There is no lab cluster to send this manifest to.', {
        action: 'Start the environment from the start screen; the editor works as soon as the cluster is up.',
      });
    }
    return kubeConfig;
  }

  /** One client per kubeconfig, so its discovery cache (kind -> resource path) is reused across applies. */
  async #objectApi(): Promise<KubernetesObjectApi> {
    const kubeConfig = await this.#kubeConfig();
    let api = this.#objectApis.get(kubeConfig);
    if (!api) {
      api = KubernetesObjectApi.makeApiClient(kubeConfig);
      this.#objectApis.set(kubeConfig, api);
    }
    return api;
  }

  async #loadSchema(): Promise<{ source: 'live' | 'bundled'; schema: JsonSchema }> {
    try {
      const kubeConfig = await this.#cluster.kubeConfig();
      if (kubeConfig) {
        const openApi = (await getJson(kubeConfig, '/openapi/v2')) as Parameters<typeof schemaFromOpenApiV2>[0];
        if (openApi && typeof openApi === 'object' && openApi.definitions) {
          this.#liveSchema = schemaFromOpenApiV2(openApi);
          this.#checker.setSchema(this.#liveSchema);
          return { source: 'live', schema: this.#liveSchema };
        }
      }
    } catch {
      // An old, unreachable or minimal API server: the bundled schema is the answer, reported as such.
    }
    return { source: 'bundled', schema: bundledKubernetesSchema() };
  }

  async #restartWatch(): Promise<void> {
    const generation = ++this.#generation;
    this.#tracer?.reset();
    this.#schema = null;
    if (this.#liveSchema) this.#checker.setSchema(null);
    this.#liveSchema = null;
    const previous = this.#watcher;
    this.#watcher = null;
    await previous?.stop();
    if (this.#disposed || generation !== this.#generation) return;
    let kubeConfig: KubeConfig | null;
    try {
      kubeConfig = await this.#cluster.kubeConfig();
    } catch (error) {
      kubeConfig = null;
      this.#setMap(unavailableMap(`The lab cluster is not reachable: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    if (!kubeConfig) {
      this.#setMap(unavailableMap('No lab cluster is running. Start the environment to see its network.'));
      return;
    }
    const watcher = new NetworkMapWatcher(kubeConfig, () => this.#scheduleMapUpdate(watcher));
    this.#watcher = watcher;
    try {
      await watcher.start();
      if (this.#watcher === watcher) this.#setMap(watcher.snapshot());
    } catch (error) {
      if (this.#watcher !== watcher) return;
      this.#setMap(unavailableMap(`The lab cluster's API server did not answer: ${error instanceof Error ? error.message : String(error)}`));
      this.#watcher = null;
      await watcher.stop();
      // Try again later: the environment may still be starting.
      if (!this.#disposed && generation === this.#generation) {
        this.#mapTimer = setTimeout(() => {
          this.#mapTimer = null;
          if (generation === this.#generation) void this.#restartWatch();
        }, 5_000);
      }
    }
  }

  #scheduleMapUpdate(watcher: NetworkMapWatcher): void {
    if (this.#mapTimer || this.#disposed) return;
    this.#mapTimer = setTimeout(() => {
      this.#mapTimer = null;
      if (this.#watcher === watcher) this.#setMap(watcher.snapshot());
    }, MAP_DEBOUNCE_MS);
  }

  #setMap(map: NetworkMap): void {
    this.#apiMap = map;
    this.#map = this.#surroundings?.apply(map) ?? map;
    if (!this.#disposed) this.#events.emit('cluster.map', this.#map);
    if (map.available && map.nodes.length > 0) void this.#tracer?.prime();
    // Node devices, jumphost and published ports come from docker exec: sent as a second update when learnt.
    this.#surroundings
      ?.refresh(map)
      .then((changed) => {
        if (!changed || this.#disposed || this.#apiMap !== map || !this.#surroundings) return;
        this.#map = this.#surroundings.apply(map);
        this.#events.emit('cluster.map', this.#map);
      })
      .catch(() => undefined);
  }
}

async function readOrNull(api: KubernetesObjectApi, object: ManifestObject): Promise<KubernetesObject | null> {
  try {
    return await api.read({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) } });
  } catch (error) {
    if (statusCodeOf(error) === 404) return null;
    throw error;
  }
}

/**
 * Server-side apply as field manager `labdeck`. Conflicts are first reported by the server; the attendee's
 * edit is what they asked for, so a conflicting field is then taken over (kubectl's --force-conflicts).
 */
async function serverSideApply(api: KubernetesObjectApi, object: ManifestObject, dryRun: boolean): Promise<KubernetesObject> {
  const dry = dryRun ? 'All' : undefined;
  try {
    return await api.patch(object, undefined, dry, FIELD_MANAGER, false, PatchStrategy.ServerSideApply);
  } catch (error) {
    if (statusCodeOf(error) !== 409) throw error;
    return api.patch(object, undefined, dry, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
}

function describe(object: ManifestObject, result: KubernetesObject, action: AppliedObject['action']): AppliedObject {
  const namespace = result.metadata?.namespace ?? object.metadata.namespace;
  return { apiVersion: object.apiVersion, kind: object.kind, ...(namespace ? { namespace } : {}), name: object.metadata.name, action };
}

const NOISY_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation'];

/**
 * Whether an apply changed what the object asks for. The resourceVersion cannot tell: on a live cluster the
 * kubelet and controllers write status (a new resourceVersion) all the time, and that is not the attendee's
 * change.
 */
function sameDesiredState(before: KubernetesObject, after: KubernetesObject): boolean {
  const desired = (object: KubernetesObject) => {
    const { status: _status, metadata, ...rest } = JSON.parse(JSON.stringify(object)) as Record<string, unknown> & { metadata?: Record<string, unknown> };
    if (metadata) for (const key of NOISY_METADATA) delete metadata[key];
    return JSON.stringify({ ...rest, metadata });
  };
  return desired(before) === desired(after);
}

/** YAML of an object without the bookkeeping fields that change on every write and hide the real difference. */
export function toComparableYaml(object: KubernetesObject): string {
  const plain = JSON.parse(JSON.stringify(object)) as Record<string, unknown>;
  const metadata = plain.metadata as Record<string, unknown> | undefined;
  if (metadata) for (const key of NOISY_METADATA) delete metadata[key];
  return stringify(plain, { lineWidth: 0 });
}

