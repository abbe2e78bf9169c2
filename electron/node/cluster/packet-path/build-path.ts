import type { NetworkMap, PacketHop, PacketPath } from '../../../common/api/cluster.ts';
import { entriesTo, sourceTranslated, type ConntrackEntry } from './conntrack.ts';
import type { RouteChoice } from './ip-text.ts';
import { ruleLine, type CounterChange, type IptablesRule } from './iptables-save.ts';
import type { TraceTarget } from './trace-target.ts';

/** What was read from one node for a trace: the nat rules whose counters moved, and its conntrack table. */
export interface NodeObservation {
  changes: CounterChange[];
  conntrack: ConntrackEntry[];
  /** Every nat rule as read now, counters included. */
  rules?: IptablesRule[];
}

export interface PathInput {
  map: NetworkMap;
  target: TraceTarget;
  observations: ReadonlyMap<string, NodeObservation>;
  /** `ip route get <endpoint>` on the entry node, read once the endpoint is known. */
  route?: RouteChoice | null;
  command?: string;
  terminal?: string;
  now?: Date;
}

/** The part of the path that decides which further reads are needed (the route to the endpoint). */
export interface PathCore {
  service?: { namespace: string; name: string };
  entryNode?: string;
  endpoints: PacketPath['endpoints'];
  /** The conntrack entry of the traced connection on the entry node. */
  connection?: ConntrackEntry;
  serviceChanges: CounterChange[];
}

/** `default/web -> 10.244.1.3:80`, `kube-system/kube-dns:dns cluster IP`: the Service a kube-proxy rule serves. */
export function serviceOfRule(comment: string | undefined): { namespace: string; name: string } | null {
  const match = /^([a-z0-9-]+)\/([a-z0-9.-]+)(?::[^\s]*)?(?:\s|$)/.exec(comment ?? '');
  return match?.[1] && match[2] ? { namespace: match[1], name: match[2] } : null;
}

const CHAIN_ORDER = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXT-', 'KUBE-SVC-', 'KUBE-SEP-', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING'];
const chainRank = (chain: string) => {
  const index = CHAIN_ORDER.findIndex((prefix) => chain === prefix || (prefix.endsWith('-') && chain.startsWith(prefix)));
  return index === -1 ? CHAIN_ORDER.length : index;
};

/** Finds the entry node, the Service's rules that moved there, the endpoints chosen and the connection. */
export function analysePath(input: Pick<PathInput, 'map' | 'target' | 'observations'>): PathCore {
  const { map, target, observations } = input;
  const wanted = target.service ? { namespace: target.service.namespace, name: target.service.name } : busiestService(observations);
  if (!wanted) return podPath(input);

  // The entry node is where this Service's rules moved most (other nodes may carry other attendees' traffic).
  let entryNode: string | undefined;
  let best = 0;
  let serviceChanges: CounterChange[] = [];
  for (const [node, observation] of observations) {
    const mine = observation.changes.filter((change) => sameService(serviceOfRule(change.rule.comment), wanted));
    const packets = mine.reduce((sum, change) => sum + change.packets, 0);
    if (packets > best) {
      best = packets;
      entryNode = node;
      serviceChanges = mine;
    }
  }
  serviceChanges = [...serviceChanges, ...resetEntryRules(entryNode ? observations.get(entryNode) : undefined, serviceChanges, wanted)].sort((a, b) => chainRank(a.rule.chain) - chainRank(b.rule.chain));
  const endpoints = serviceChanges
    .filter((change) => change.rule.chain.startsWith('KUBE-SEP-') && change.rule.dnatTo)
    .map((change) => endpointOf(change.rule.dnatTo ?? '', change.packets, map));

  let connection: ConntrackEntry | undefined;
  if (entryNode) {
    const table = observations.get(entryNode)?.conntrack ?? [];
    const chosen = new Set(endpoints.map((endpoint) => endpoint.ip));
    const candidates =
      target.kind === 'node-port' && target.nodePort !== undefined
        ? table.filter((entry) => entry.original.dport === target.nodePort).sort((a, b) => b.timeout - a.timeout)
        : target.service?.clusterIP
          ? entriesTo(table, target.service.clusterIP, target.port)
          : [];
    connection = candidates.find((entry) => chosen.has(entry.reply.src)) ?? candidates[0];
  }
  return { service: wanted, ...(entryNode ? { entryNode } : {}), endpoints, ...(connection ? { connection } : {}), serviceChanges };
}

/**
 * kube-proxy rewrites KUBE-SERVICES and KUBE-NODEPORTS whole at every resync (any Service or endpoint change
 * in the cluster), which zeroes their counters, while the Service's own KUBE-SVC-/KUBE-SEP- chains keep theirs.
 * When those moved and the entry rule did not, the packet passed it all the same: it is shown, without a count.
 */
function resetEntryRules(observation: NodeObservation | undefined, changes: readonly CounterChange[], wanted: { namespace: string; name: string }): CounterChange[] {
  if (!observation?.rules || !changes.some((change) => change.rule.chain.startsWith('KUBE-SVC-'))) return [];
  if (changes.some((change) => change.rule.chain === 'KUBE-SERVICES' || change.rule.chain === 'KUBE-NODEPORTS')) return [];
  const services = new Set(changes.filter((change) => change.rule.chain.startsWith('KUBE-SVC-') || change.rule.chain.startsWith('KUBE-EXT-')).map((change) => change.rule.chain));
  return observation.rules
    .filter((rule) => (rule.chain === 'KUBE-SERVICES' || rule.chain === 'KUBE-NODEPORTS') && rule.target !== undefined && services.has(rule.target) && sameService(serviceOfRule(rule.comment), wanted))
    .map((rule) => ({ rule, packets: 0, counterReset: true }));
}

/** A request to a pod IP passes no Service rule: its node's conntrack shows it, and the route delivers it. */
function podPath(input: Pick<PathInput, 'map' | 'target' | 'observations'>): PathCore {
  const { map, target, observations } = input;
  const pod = map.pods.find((item) => item.ip !== undefined && item.ip === target.address);
  if (!pod?.ip) return { endpoints: [], serviceChanges: [] };
  for (const [node, observation] of observations) {
    const [connection] = entriesTo(observation.conntrack, pod.ip, target.port);
    if (connection && node === pod.node) {
      return { entryNode: node, endpoints: [endpointOf(pod.ip, 1, map)], connection, serviceChanges: [] };
    }
  }
  return { endpoints: [endpointOf(pod.ip, 0, map)], serviceChanges: [] };
}

function busiestService(observations: ReadonlyMap<string, NodeObservation>): { namespace: string; name: string } | null {
  const totals = new Map<string, number>();
  for (const observation of observations.values()) {
    for (const change of observation.changes) {
      const service = serviceOfRule(change.rule.comment);
      // The API server's own Service moves all the time (kubelets, flannel, CoreDNS): never the attendee's request.
      if (!service || !change.rule.chain.startsWith('KUBE-SVC-') || (service.namespace === 'default' && service.name === 'kubernetes')) continue;
      const key = `${service.namespace}/${service.name}`;
      totals.set(key, (totals.get(key) ?? 0) + change.packets);
    }
  }
  const [top] = [...totals.entries()].sort((a, b) => b[1] - a[1]);
  if (!top) return null;
  const [namespace = '', name = ''] = top[0].split('/');
  return { namespace, name };
}

function sameService(found: { namespace: string; name: string } | null, wanted: { namespace: string; name: string }): boolean {
  return found !== null && found.namespace === wanted.namespace && found.name === wanted.name;
}

function endpointOf(address: string, packets: number, map: NetworkMap): PacketPath['endpoints'][number] {
  const [ip = address, port] = address.split(':');
  const pod = map.pods.find((item) => item.ip === ip);
  return {
    ip,
    packets,
    ...(port ? { port: Number(port) } : {}),
    ...(pod ? { pod: `${pod.namespace}/${pod.name}` } : {}),
    ...(pod?.node ? { node: pod.node } : {}),
  };
}

/** The whole path: every hop with its real text and the command that shows it on its node. */
export function buildPath(input: PathInput): PacketPath {
  const core = analysePath(input);
  const { map, target, route } = input;
  const tracedAt = (input.now ?? new Date()).toISOString();
  const base = {
    tracedAt,
    ...(input.command ? { command: input.command } : {}),
    ...(input.terminal ? { terminal: input.terminal } : {}),
    ...(core.service ? { service: core.service } : {}),
    ...(core.entryNode ? { entryNode: core.entryNode } : {}),
    endpoints: core.endpoints,
  };
  if (!core.entryNode) {
    return { ...base, status: 'not-seen', summary: notSeenSummary(target), hops: [] };
  }
  const entry = core.entryNode;
  const hops: PacketHop[] = [];
  const connection = core.connection;
  const destination = connection?.original.dst ?? target.service?.clusterIP ?? target.address ?? '';
  const conntrackCommand = target.kind === 'node-port' && target.nodePort ? `conntrack -L -p tcp --orig-port-dst ${target.nodePort}` : `conntrack -L -d ${destination}`;
  if (connection) {
    hops.push({ kind: 'source', title: `Sent by ${connection.original.src}${input.terminal ? ` (${input.terminal} terminal)` : ''} to ${connection.original.dst}${connection.original.dport ? `:${connection.original.dport}` : ''}`, text: connection.line, command: conntrackCommand, node: entry });
  }
  hops.push({ kind: 'entry', node: entry, title: `Entered the cluster at ${entry}`, text: connection?.line ?? core.serviceChanges.map((change) => ruleLine(change.rule)).join('\n'), command: conntrackCommand });
  for (const change of core.serviceChanges) {
    hops.push({
      kind: 'rule',
      node: entry,
      title: `${change.rule.chain}${change.rule.comment ? ` (${change.rule.comment})` : ''}: ${change.counterReset ? "passed (kube-proxy's resync had just reset this chain's counters)" : `+${change.packets} packet${change.packets === 1 ? '' : 's'}`}`,
      text: ruleLine(change.rule),
      command: `iptables -t nat -L ${change.rule.chain} -v -n -x`,
      packets: change.packets,
    });
  }
  const chosen = connection ? core.endpoints.find((endpoint) => endpoint.ip === connection.reply.src) ?? core.endpoints[0] : core.endpoints[0];
  if (chosen) {
    const who = `${chosen.ip}${chosen.port ? `:${chosen.port}` : ''}${chosen.pod ? ` (pod ${chosen.pod}${chosen.node ? ` on ${chosen.node}` : ''})` : ''}`;
    hops.push({
      kind: target.kind === 'dns' ? 'dns' : 'endpoint',
      node: entry,
      title: target.kind === 'dns' ? `CoreDNS answered from ${who}` : `Endpoint chosen: ${who}`,
      text: connection?.line ?? '',
      command: conntrackCommand,
    });
  }
  if (route && chosen) {
    const tunnel = route.device === vxlanDevice(map, entry) || (route.via !== undefined && !route.via.startsWith(map.lab?.network?.split('.').slice(0, 3).join('.') ?? '\u0000'));
    const crossing = tunnel ? `through the VXLAN tunnel ${route.device}${route.via ? ` (via ${route.via})` : ''}` : `on ${entry}'s ${route.device}`;
    hops.push({
      kind: 'route',
      node: entry,
      title: chosen.node && chosen.node !== entry ? `Crossed from ${entry} to ${chosen.node} ${crossing}` : `Delivered ${crossing}`,
      text: route.line,
      command: `ip route get ${chosen.ip}`,
    });
  }
  let sourceSeen: string | undefined;
  if (connection) {
    sourceSeen = connection.reply.dst;
    const masquerade = input.observations.get(entry)?.changes.find((change) => change.rule.chain === 'KUBE-POSTROUTING' && change.rule.target === 'MASQUERADE');
    hops.push({
      kind: 'snat',
      node: entry,
      title: sourceTranslated(connection)
        ? `The pod saw the request come from ${sourceSeen}, not ${connection.original.src}: source NAT on ${entry}`
        : `The pod saw the real source ${sourceSeen}: no source NAT`,
      text: [connection.line, ...(masquerade && sourceTranslated(connection) ? [ruleLine(masquerade.rule)] : [])].join('\n'),
      command: conntrackCommand,
    });
  }
  const summary = [
    `${input.command ? `\`${input.command}\`` : 'The request'} entered at ${entry}`,
    core.service ? `, ${core.service.namespace}/${core.service.name}'s rules` : '',
    chosen ? ` chose ${chosen.ip}${chosen.pod ? ` (${chosen.pod.split('/')[1]}${chosen.node ? ` on ${chosen.node}` : ''})` : ''}` : '',
    core.endpoints.length > 1 ? ` (${core.endpoints.length} endpoints used by ${core.endpoints.reduce((sum, endpoint) => sum + endpoint.packets, 0)} connections)` : '',
    sourceSeen ? `; the pod saw source ${sourceSeen}` : '',
    '.',
  ].join('');
  return { ...base, status: 'traced', summary, ...(connection ? { from: connection.original.src } : {}), ...(sourceSeen ? { sourceSeen } : {}), hops };
}

function vxlanDevice(map: NetworkMap, node: string): string | undefined {
  return map.nodes.find((item) => item.name === node)?.interfaces?.find((item) => item.kind === 'vxlan')?.name;
}

function notSeenSummary(target: TraceTarget): string {
  if (target.kind === 'unknown') return 'No Service rule moved and the command names no known address: nothing to draw for it.';
  return `No node's rules or connection table showed this request${target.address ? ` to ${target.address}` : ''}. Did it reach the cluster? Run it again and look at the exit code.`;
}
