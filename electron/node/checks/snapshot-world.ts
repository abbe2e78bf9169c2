import { readFile } from 'node:fs/promises';
import { LabdeckError } from '../../common/errors.ts';
import type { CheckWorld, KubeObject } from './check-world.ts';
import { selectObjects } from './object-filter.ts';

/**
 * Kinds every lab cluster has objects of (its Nodes and Namespaces, the kubernetes Service and Endpoints,
 * CoreDNS's Deployment, ReplicaSet and Pods). A snapshot without a single one of them did not capture the
 * kind, so it cannot answer a check of it: skipped, not failed.
 */
const EVERY_CLUSTER_HAS = new Set(['Node', 'Namespace', 'Service', 'Endpoints', 'Pod', 'Deployment', 'ReplicaSet']);

const DEFAULT_COMMAND = 'kubectl get <kinds> -A -o json > snapshot.json';

/**
 * A world read from a Kubernetes `List` as `kubectl get <kinds> -A -o json` writes it (grading handed-in
 * snapshots). It knows objects only: command, probe and http checks get null and are reported skipped.
 */
export class SnapshotWorld implements CheckWorld {
  readonly probes = false;
  readonly #objects: KubeObject[];
  readonly #kinds: Set<string>;

  constructor(objects: KubeObject[]) {
    this.#objects = objects;
    this.#kinds = new Set(objects.map((object) => object.kind));
  }

  /** `command` is the kubectl line that writes a usable snapshot (see snapshot-command.ts), for error messages. */
  static parse(text: string, source = 'the snapshot', command = DEFAULT_COMMAND): SnapshotWorld {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new LabdeckError('invalid-request', `${source} is not JSON: ${(error as Error).message}`, {
        action: `Write the snapshot with \`${command}\`.`,
      });
    }
    const items = isList(parsed) ? parsed.items : isObject(parsed) ? [parsed] : undefined;
    if (!items) {
      throw new LabdeckError('invalid-request', `${source} is not a Kubernetes List (expected {"kind": "List", "items": [...]}).`, {
        action: `Write the snapshot with \`${command}\`.`,
      });
    }
    // `kubectl get` of one kind writes e.g. PodList whose items may omit apiVersion/kind; fill them from the list.
    const listKind = isObject(parsed) && typeof parsed.kind === 'string' && parsed.kind.endsWith('List') && parsed.kind !== 'List' ? parsed.kind.slice(0, -4) : undefined;
    const listApiVersion = isObject(parsed) && typeof parsed.apiVersion === 'string' ? parsed.apiVersion : undefined;
    const objects = items.filter(isObject).map((item) => ({ ...item, apiVersion: item.apiVersion ?? listApiVersion, kind: item.kind ?? listKind }) as KubeObject);
    return new SnapshotWorld(objects.filter((object) => typeof object.kind === 'string' && typeof object.metadata?.name === 'string'));
  }

  static async load(file: string, command = DEFAULT_COMMAND): Promise<SnapshotWorld> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new LabdeckError('not-found', `Cannot read the snapshot ${file}: ${(error as Error).message}`, { action: 'Check the path given to --snapshot.' });
    }
    return SnapshotWorld.parse(text, file, command);
  }

  get size(): number {
    return this.#objects.length;
  }

  /** Kinds a check needs that this snapshot did not capture (so its checks were skipped). */
  missingKinds(kinds: ReadonlyArray<{ kind: string }>): string[] {
    return [...new Set(kinds.map((kind) => kind.kind).filter((kind) => EVERY_CLUSTER_HAS.has(kind) && !this.#kinds.has(kind)))];
  }

  /** null (the check is skipped) for a kind the snapshot evidently did not capture. */
  async listObjects(selector: Parameters<CheckWorld['listObjects']>[0]): Promise<KubeObject[] | null> {
    if (EVERY_CLUSTER_HAS.has(selector.kind) && !this.#kinds.has(selector.kind)) return null;
    return selectObjects(this.#objects, selector);
  }

  async commandRecords(): Promise<null> {
    return null;
  }

  async runProbe(): Promise<null> {
    return null;
  }

  async httpGet(): Promise<null> {
    return null;
  }
}

type Json = Record<string, unknown> & { metadata?: { name?: unknown } };

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isList(value: unknown): value is { items: unknown[] } {
  return isObject(value) && Array.isArray(value.items);
}
