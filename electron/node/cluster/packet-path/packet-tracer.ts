import type { NetworkMap, PacketPath } from '../../../common/api/cluster.ts';
import type { CommandLog, LabContainers } from '../../backend/ports.ts';
import type { CommandRecord } from '../../checks/check-world.ts';
import { analysePath, buildPath, type NodeObservation } from './build-path.ts';
import { parseConntrack } from './conntrack.ts';
import { parseRouteGet } from './ip-text.ts';
import { counterChanges, parseIptablesSave, type IptablesRule } from './iptables-save.ts';
import { NodeReaderShells } from './node-reader-shells.ts';
import type { OpenShellChannel } from './reader-shell.ts';
import { sendsNetworkRequest, traceTarget } from './trace-target.ts';

const EXEC_TIMEOUT_MS = 4_000;
/**
 * One read per node gets both: the nat table with counters, then every tracked connection. The kernel's own
 * list first: `conntrack -L` walks the whole (shared) hash table over netlink, about 12 ms of CPU even in a
 * node with six connections, reading /proc/net/nf_conntrack about 2 ms; conntrack is for kernels without it.
 */
const READ_ALL = 'iptables-save -c -t nat; echo @@conntrack; cat /proc/net/nf_conntrack 2>/dev/null || conntrack -L 2>/dev/null';
const READ_COUNTERS = 'iptables-save -c -t nat';
/** The jumphost's clock and this computer's may differ a little; a record this much older still counts as new. */
const CLOCK_SLACK_MS = 2_000;

export interface PacketTracerOptions {
  containers: LabContainers;
  map: () => NetworkMap;
  emit: (path: PacketPath) => void;
  commandLog?: CommandLog;
  /**
   * Opens the reader shells (docker-reader-shell.ts): each node is then read through one shell kept open
   * while tracing. Without it every read is a `docker exec` of its own.
   */
  openShell?: OpenShellChannel;
  /** How long the reader shells stay open after the last read (READER_IDLE_MS). */
  shellIdleMs?: number;
}

/**
 * Traces a terminal's request through the nodes' data plane. Nothing runs at rest: the nodes are read once
 * for a baseline of the rule counters when the cluster appears, then only right after a terminal recorded a
 * command that sends something (curl, wget, nc, nslookup, dig, ping, ...) or when the attendee asks. Each
 * trace reads every node once (iptables-save -c, the conntrack table), compares the counters with the previous
 * reading, and reads the route to the chosen endpoint on the entry node. The reads go through one shell per
 * node, opened by the first read and closed a minute after the last (node-reader-shells.ts).
 */
export class PacketTracer {
  readonly #options: PacketTracerOptions;
  #baseline = new Map<string, IptablesRule[]>();
  #priming: Promise<void> | null = null;
  #seen = new Set<string>();
  #startedAt = 0;
  #last: CommandRecord | null = null;
  #running: Promise<PacketPath | null> | null = null;
  #queued: CommandRecord | null = null;
  #unsubscribe: (() => void) | null = null;
  #disposed = false;
  readonly #shells: NodeReaderShells | null;

  constructor(options: PacketTracerOptions) {
    this.#options = options;
    this.#shells = options.openShell
      ? new NodeReaderShells({ containers: options.containers, open: options.openShell, ...(options.shellIdleMs !== undefined ? { idleMs: options.shellIdleMs } : {}) })
      : null;
  }

  /** How many reader shells are open (none at rest). */
  get openShells(): number {
    return this.#shells?.openCount ?? 0;
  }

  start(): void {
    this.#startedAt = Date.now();
    this.#unsubscribe ??= this.#options.commandLog?.subscribe((records) => this.#onRecords(records)) ?? null;
  }

  /** Reads the counters once, so the first traced request has something to be compared with. */
  prime(): Promise<void> {
    this.#priming ??= this.#readCounters().catch(() => undefined);
    return this.#priming;
  }

  /** Forgets the baseline (a new cluster, whose counters started again). */
  reset(): void {
    this.#baseline = new Map();
    this.#priming = null;
    this.#shells?.closeAll();
  }

  /** Traces the last recorded request again, on demand; null when no terminal has sent anything yet. */
  async traceLast(): Promise<PacketPath | null> {
    return this.#last ? this.trace(this.#last) : null;
  }

  /** Traces one command's request; concurrent calls are queued so each reading compares with the one before. */
  async trace(record: Pick<CommandRecord, 'command' | 'terminal'>): Promise<PacketPath | null> {
    while (this.#running) await this.#running.catch(() => undefined);
    const running = this.#traceNow(record);
    this.#running = running;
    try {
      return await running;
    } finally {
      if (this.#running === running) this.#running = null;
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#shells?.dispose();
  }

  #onRecords(records: readonly CommandRecord[]): void {
    const keyOf = (record: CommandRecord) => `${record.time}|${record.terminal ?? ''}|${record.command}`;
    for (const record of records) {
      const key = keyOf(record);
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      // Commands from before the tracer started (the record's history) are not traced: those packets are gone.
      if (Date.parse(record.time) < this.#startedAt - CLOCK_SLACK_MS) continue;
      if (!sendsNetworkRequest(record.command)) continue;
      this.#last = record;
      this.#queued = record;
    }
    if (this.#queued && !this.#running) void this.#drain();
  }

  async #drain(): Promise<void> {
    while (this.#queued && !this.#disposed) {
      const record = this.#queued;
      this.#queued = null;
      await this.trace(record).catch(() => null);
    }
  }

  async #traceNow(record: Pick<CommandRecord, 'command' | 'terminal'>): Promise<PacketPath | null> {
    const started = Date.now();
    const map = this.#options.map();
    const base = { tracedAt: new Date().toISOString(), command: record.command, ...(record.terminal ? { terminal: record.terminal } : {}), endpoints: [], hops: [] };
    if (!map.available || map.nodes.length === 0) {
      const path: PacketPath = { ...base, status: 'unavailable', summary: 'No lab cluster to read: start the environment, then send the request again.' };
      this.#emit(path);
      return path;
    }
    const readings = await this.#readNodes(map.nodes.map((node) => node.name), READ_ALL);
    if (readings.size === 0) {
      const path: PacketPath = { ...base, status: 'unavailable', summary: "The nodes' containers did not answer (is the environment running?). Send the request again once it is." };
      this.#emit(path);
      return path;
    }
    const observations = new Map<string, NodeObservation>();
    for (const [node, output] of readings) {
      const [rulesText = '', conntrackText = ''] = output.split('@@conntrack');
      const rules = parseIptablesSave(rulesText);
      // A node seen for the first time has no baseline: its counters are not a change, only the next reading's are.
      const before = this.#baseline.get(node);
      observations.set(node, { changes: before ? counterChanges(before, rules) : [], conntrack: parseConntrack(conntrackText), rules });
      this.#baseline.set(node, rules);
    }
    const target = traceTarget(record.command, map);
    const core = analysePath({ map, target, observations });
    const endpoint = core.connection?.reply.src ?? core.endpoints[0]?.ip;
    let route = null;
    if (core.entryNode && endpoint) {
      const routeText = (await this.#readNodes([core.entryNode], `ip route get ${shellSafeAddress(endpoint)}`)).get(core.entryNode);
      route = routeText ? parseRouteGet(routeText) : null;
    }
    const path = { ...buildPath({ map, target, observations, route, command: record.command, ...(record.terminal ? { terminal: record.terminal } : {}) }), readMs: Date.now() - started };
    this.#emit(path);
    return path;
  }

  async #readCounters(): Promise<void> {
    const map = this.#options.map();
    const readings = await this.#readNodes(map.nodes.map((node) => node.name), READ_COUNTERS);
    for (const [node, output] of readings) this.#baseline.set(node, parseIptablesSave(output));
  }

  async #readNodes(nodes: readonly string[], script: string): Promise<Map<string, string>> {
    const outputs = await Promise.all(
      nodes.map(async (node): Promise<[string, string] | null> => {
        if (this.#shells) {
          const read = await this.#shells.run(node, script, { timeoutMs: EXEC_TIMEOUT_MS }).catch(() => null);
          return read && read.exitCode === 0 ? [node, read.output] : null;
        }
        const id = await this.#options.containers.containerFor({ kind: 'node', node }).catch(() => null);
        if (!id) return null;
        const outcome = await this.#options.containers.exec(id, ['sh', '-c', script], { timeoutMs: EXEC_TIMEOUT_MS }).catch(() => null);
        return outcome && outcome.exitCode === 0 ? [node, outcome.output] : null;
      }),
    );
    return new Map(outputs.filter((item): item is [string, string] => item !== null));
  }

  #emit(path: PacketPath): void {
    if (!this.#disposed) this.#options.emit(path);
  }
}

/** An address read from conntrack goes into a shell line: only digits, dots and colons pass. */
function shellSafeAddress(address: string): string {
  return /^[0-9a-fA-F.:]+$/.test(address) ? address : '0.0.0.0';
}
