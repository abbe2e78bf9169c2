import crypto from 'node:crypto';
import { serviceEndpoints, type World, type WorldService, type WorldServicePort } from './world.ts';

/**
 * The rules kube-proxy's iptables proxier (pkg/proxy/iptables/proxier.go, the mode k3s runs with
 * `proxy-mode=iptables`) keeps on every node, written in iptables-restore format. Only the layout that the
 * labs look at and that carries traffic is reproduced: KUBE-SERVICES -> KUBE-SVC-<hash> (random choice among
 * KUBE-SEP-<hash>, each a DNAT), KUBE-NODEPORTS -> KUBE-EXT-<hash>, masquerading through KUBE-MARK-MASQ and
 * KUBE-POSTROUTING, and the filter table's REJECT for Services without endpoints. Not reproduced: session
 * affinity, externalTrafficPolicy Local, load balancers, the firewall chains and IPv6.
 */

/** The mark kube-proxy sets on packets that must be masqueraded (--iptables-masquerade-bit 14). */
export const MASQUERADE_MARK = '0x4000';

/** kube-proxy's chain-name hash: sha256 of the text, base32 (RFC 4648 alphabet, as Go's StdEncoding), 16 chars. */
export function portProtoHash(text: string): string {
  return base32(crypto.createHash('sha256').update(text).digest()).slice(0, 16);
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** "namespace/name:port" (ServicePortName.String()); an unnamed port leaves out ":port". */
export function servicePortName(service: WorldService, port: WorldServicePort): string {
  return `${service.namespace}/${service.name}${port.name ? `:${port.name}` : ''}`;
}

const lower = (protocol: WorldServicePort['protocol']): string => protocol.toLowerCase();

export function serviceChain(name: string, protocol: WorldServicePort['protocol']): string {
  return `KUBE-SVC-${portProtoHash(name + lower(protocol))}`;
}

export function externalChain(name: string, protocol: WorldServicePort['protocol']): string {
  return `KUBE-EXT-${portProtoHash(name + lower(protocol))}`;
}

export function endpointChain(name: string, protocol: WorldServicePort['protocol'], endpoint: string): string {
  return `KUBE-SEP-${portProtoHash(name + lower(protocol) + endpoint)}`;
}

/** The probability of the i-th of n endpoint rules: 1/(n-i), printed as kube-proxy does ("%0.10f"). */
export function probability(remaining: number): string {
  return (1 / remaining).toFixed(10);
}

/** Quotes a comment the way kube-proxy writes it into iptables-restore input. */
const comment = (text: string): string => (/\s/.test(text) ? `"${text}"` : text);

export interface KubeProxyTables {
  /** Lines of the *nat table (chains and rules kube-proxy owns), without the table header and COMMIT. */
  nat: string[];
  filter: string[];
  /** Every chain the two tables declare, by table, so stale KUBE-* chains can be told apart and deleted. */
  chains: { nat: string[]; filter: string[] };
}

/** Rules of one node. They are the same on every node: each node answers every ClusterIP and NodePort. */
export function kubeProxyTables(world: World): KubeProxyTables {
  const natChains = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
  const filterChains = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD'];
  const nat: string[] = [];
  const filter: string[] = [];
  const perService: string[] = [];

  nat.push(`-A KUBE-POSTROUTING -m mark ! --mark ${MASQUERADE_MARK}/${MASQUERADE_MARK} -j RETURN`);
  nat.push(`-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQUERADE_MARK}`);
  nat.push(`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`);
  nat.push(`-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQUERADE_MARK}`);

  const services = [...world.services].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  for (const service of services) {
    const endpoints = serviceEndpoints(world, service);
    for (const port of service.ports) {
      const name = servicePortName(service, port);
      const proto = lower(port.protocol);
      const match = `-m ${proto} -p ${proto}`;
      if (endpoints.length === 0) {
        // No endpoints: no nat rules at all; the filter table refuses the connection at once.
        filter.push(`-A KUBE-SERVICES -m comment --comment "${name} has no endpoints" ${match} -d ${service.clusterIP}/32 --dport ${port.port} -j REJECT`);
        if (port.nodePort !== undefined) {
          filter.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment "${name} has no endpoints" -m addrtype --dst-type LOCAL ${match} --dport ${port.nodePort} -j REJECT`);
        }
        continue;
      }
      const svc = serviceChain(name, port.protocol);
      natChains.push(svc);
      nat.push(`-A KUBE-SERVICES -m comment --comment "${name} cluster IP" ${match} -d ${service.clusterIP}/32 --dport ${port.port} -j ${svc}`);
      // Traffic to a ClusterIP from outside the pod range (a node, the jumphost) is masqueraded so that the
      // answer comes back through this node (the LocalTrafficDetector's "! -s <cluster CIDR>").
      perService.push(`-A ${svc} -m comment --comment "${name} cluster IP" ${match} -d ${service.clusterIP}/32 --dport ${port.port} ! -s ${world.clusterCidr} -j KUBE-MARK-MASQ`);
      if (port.nodePort !== undefined) {
        const ext = externalChain(name, port.protocol);
        natChains.push(ext);
        nat.push(`-A KUBE-NODEPORTS -m comment --comment ${comment(name)} ${match} --dport ${port.nodePort} -j ${ext}`);
        // externalTrafficPolicy: Cluster masquerades every external packet, whichever node the pod is on.
        perService.push(`-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`);
        perService.push(`-A ${ext} -j ${svc}`);
      }
      endpoints.forEach((ip, index) => {
        const endpoint = `${ip}:${port.targetPort}`;
        const sep = endpointChain(name, port.protocol, endpoint);
        natChains.push(sep);
        const random = index < endpoints.length - 1 ? ` -m statistic --mode random --probability ${probability(endpoints.length - index)}` : '';
        perService.push(`-A ${svc} -m comment --comment "${name} -> ${endpoint}"${random} -j ${sep}`);
        // A pod reaching itself through its Service must be masqueraded, or it would answer itself directly.
        perService.push(`-A ${sep} -m comment --comment ${comment(name)} -s ${ip}/32 -j KUBE-MARK-MASQ`);
        perService.push(`-A ${sep} -m comment --comment ${comment(name)} ${match} -j DNAT --to-destination ${endpoint}`);
      });
    }
  }
  nat.push(`-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);
  nat.push(...perService);

  filter.push(`-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`);
  filter.push(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${MASQUERADE_MARK}/${MASQUERADE_MARK} -j ACCEPT`);
  filter.push(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);

  return { nat, filter, chains: { nat: natChains, filter: filterChains } };
}

/** The jumps from the built-in chains into kube-proxy's, which kube-proxy ensures once (iptables -C || -I). */
export const KUBE_PROXY_JUMPS: ReadonlyArray<{ table: 'nat' | 'filter'; chain: string; rule: string[] }> = [
  { table: 'nat', chain: 'PREROUTING', rule: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'nat', chain: 'OUTPUT', rule: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'nat', chain: 'POSTROUTING', rule: ['-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING'] },
  { table: 'filter', chain: 'INPUT', rule: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes externally-visible service portals', '-j', 'KUBE-EXTERNAL-SERVICES'] },
  { table: 'filter', chain: 'FORWARD', rule: ['-m', 'comment', '--comment', 'kubernetes forwarding rules', '-j', 'KUBE-FORWARD'] },
  { table: 'filter', chain: 'FORWARD', rule: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'filter', chain: 'OUTPUT', rule: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
];

/**
 * iptables-restore --noflush input that replaces kube-proxy's chains (declaring a chain flushes it) and deletes
 * the stale KUBE-* chains found in `existing` (iptables-save output), as kube-proxy's sync does; other rules
 * of the node (Docker's own) stay untouched.
 */
export function restoreInput(tables: KubeProxyTables, existing: string, synced = true): string {
  const present = (table: string): string[] => {
    const section = existing.split(/^\*/m).find((part) => part.startsWith(`${table}\n`)) ?? '';
    return [...section.matchAll(/^:(KUBE-[A-Z0-9-]+)/gm)].map((match) => match[1] ?? '');
  };
  const block = (table: 'nat' | 'filter'): string[] => {
    const wanted = tables.chains[table];
    const stale = present(table).filter((chain) => !wanted.includes(chain));
    return [
      `*${table}`,
      ...wanted.map((chain) => `:${chain} - [0:0]`),
      ...stale.map((chain) => `:${chain} - [0:0]`),
      ...(synced ? tables[table] : []),
      ...stale.map((chain) => `-X ${chain}`),
      'COMMIT',
    ];
  };
  return [...block('nat'), ...block('filter'), ''].join('\n');
}
