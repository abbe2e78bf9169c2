import { serviceEndpoints, worldNamespaces, type World } from './world.ts';

/**
 * Knot DNS configuration and zone files that make it answer like CoreDNS's kubernetes plugin in k3s
 * (Corefile: `kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure ... }`, `forward . /etc/resolv.conf`):
 *
 * - `<service>.<namespace>.svc.cluster.local` A -> the ClusterIP (headless Services: one A per endpoint), and
 *   `_<port>._<proto>.<service>.<namespace>.svc.cluster.local` SRV for named ports;
 * - `a-b-c-d.<namespace>.pod.cluster.local` A -> a.b.c.d for ANY IP-shaped name in an existing namespace,
 *   whether or not a pod has that address (`pods insecure`); NXDOMAIN in a namespace that does not exist;
 * - every other name in cluster.local: NXDOMAIN; a name that exists with no record of the asked type
 *   (AAAA of a Service, `default.svc.cluster.local` itself): NOERROR with no answer (NODATA);
 * - names outside cluster.local: CoreDNS forwards them upstream; the harness has no upstream, and answers
 *   NXDOMAIN from an empty root zone, which is what a public resolver says for `kube-dns.kube-system.`.
 *
 * Knot is authoritative (AA set), as CoreDNS is for cluster.local, so busybox prints no "Non-authoritative
 * answer" line for cluster names. Records use CoreDNS's default TTL of 5 seconds.
 */

export const DNS_CONFIG_DIR = '/etc/knot/dataplane';
export const DNS_CONFIG_FILE = `${DNS_CONFIG_DIR}/knot.conf`;
const TTL = 5;

export interface DnsFiles {
  /** File name (inside DNS_CONFIG_DIR) -> content. */
  files: Record<string, string>;
}

/** SOA as CoreDNS writes it for its zones (ns.dns.<zone>, hostmaster.<zone>, refresh 7200, retry 1800, ...). */
function soa(origin: string, domain: string, serial: number): string {
  return `${origin} ${TTL} SOA ns.dns.${domain}. hostmaster.${domain}. ${serial} 7200 1800 86400 ${TTL}`;
}

export function dnsFiles(world: World, serial: number): DnsFiles {
  const domain = world.clusterDomain;
  const records = new Map<string, string[]>();
  const add = (fqdn: string, record: string): void => {
    records.set(fqdn, [...(records.get(fqdn) ?? []), record]);
  };
  // CoreDNS answers its own name with the kube-dns ClusterIP.
  add(`ns.dns.${domain}`, `A ${world.clusterDns}`);
  for (const service of world.services) {
    const fqdn = `${service.name}.${service.namespace}.svc.${domain}`;
    const addresses = service.clusterIP === 'None' ? serviceEndpoints(world, service) : [service.clusterIP];
    for (const address of addresses) add(fqdn, `A ${address}`);
    for (const port of service.ports) {
      if (port.name) add(`_${port.name}._${port.protocol.toLowerCase()}.${fqdn}`, `SRV 0 100 ${port.port} ${fqdn}.`);
    }
  }
  for (const [fqdn, address] of Object.entries(world.dns.overrides ?? {})) {
    if (address === null) {
      // NXDOMAIN: the name and everything below it (its SRV records) are gone, as for a deleted Service.
      for (const name of [...records.keys()]) if (name === fqdn || name.endsWith(`.${fqdn}`)) records.delete(name);
    } else {
      records.set(fqdn, [`A ${address}`]);
    }
  }

  const clusterZone = [`$ORIGIN ${domain}.`, soa('@', domain, serial), `@ ${TTL} NS ns.dns.${domain}.`];
  const podZones = new Map<string, string[]>();
  for (const namespace of worldNamespaces(world)) {
    podZones.set(`${namespace}.pod.${domain}`, [`$ORIGIN ${namespace}.pod.${domain}.`, soa('@', domain, serial), `@ ${TTL} NS ns.dns.${domain}.`]);
  }
  for (const [fqdn, list] of [...records.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    // A pod-zone override (a wrong answer for a-b-c-d.<ns>.pod...) goes into that namespace's own zone.
    const zone = [...podZones.keys()].find((name) => fqdn.endsWith(`.${name}`));
    for (const record of list) (zone ? podZones.get(zone) : clusterZone)?.push(`${fqdn}. ${TTL} ${record}`);
  }

  const files: Record<string, string> = {
    'root.zone': `. ${TTL} SOA a.root-servers.net. nstld.verisign-grs.com. ${serial} 1800 900 604800 86400\n. ${TTL} NS a.root-servers.net.\n`,
    [`${domain}.zone`]: `${clusterZone.join('\n')}\n`,
  };
  for (const [zone, lines] of podZones) files[`${zone}.zone`] = `${lines.join('\n')}\n`;
  files['knot.conf'] = knotConf(world, [...podZones.keys()]);
  return { files };
}

function knotConf(world: World, podZones: string[]): string {
  const synth = world.dns.podRecords === 'insecure';
  return [
    'server:',
    '  listen: 0.0.0.0@53',
    '  rundir: /run/knot',
    '  user: knot:knot',
    'log:',
    '  - target: stderr',
    '    any: notice',
    'database:',
    '  storage: /var/lib/knot',
    'control:',
    '  listen: /run/knot/knot.sock',
    ...(synth
      ? [
          // `pods insecure`: an empty prefix makes "10-244-1-5" itself the synthesized name; any IPv4 address.
          'mod-synthrecord:',
          '  - id: pods-insecure',
          '    type: forward',
          '    prefix: ""',
          '    network: 0.0.0.0/0',
          `    ttl: ${TTL}`,
        ]
      : []),
    'template:',
    '  - id: default',
    `    storage: ${DNS_CONFIG_DIR}`,
    '    semantic-checks: off',
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    'zone:',
    '  - domain: .',
    '    file: root.zone',
    `  - domain: ${world.clusterDomain}`,
    `    file: ${world.clusterDomain}.zone`,
    ...podZones.flatMap((zone) => [`  - domain: ${zone}`, `    file: ${zone}.zone`, ...(synth ? ['    module: mod-synthrecord/pods-insecure'] : [])]),
    '',
  ].join('\n');
}

/** /etc/resolv.conf the kubelet writes for a ClusterFirst pod (k3s adds the node's search domains; the lab nodes have none). */
export function podResolvConf(world: World, namespace: string): string {
  const domain = world.clusterDomain;
  return `search ${namespace}.svc.${domain} svc.${domain} ${domain}\nnameserver ${world.clusterDns}\noptions ndots:5\n`;
}

/** dnsPolicy Default: the node's resolver file (k3s's --resolv-conf, which Labdeck points at the lab gateway). */
export function nodeResolvConf(world: World): string {
  return `nameserver ${world.gateway}\n`;
}
