import type { NetworkMap } from '../../../common/api/cluster.ts';

type MapService = NetworkMap['services'][number];

/** What a recorded command line asked the network for, as far as its text tells. */
export interface TraceTarget {
  kind: 'service' | 'node-port' | 'pod' | 'dns' | 'unknown';
  service?: MapService;
  /** The address the command named (ClusterIP, node or pod IP, 127.0.0.1). */
  address?: string;
  port?: number;
  nodePort?: number;
}

const NETWORK_PROGRAMS = /(?:^|[\s|;&(`$/])(curl|wget|nc|ncat|netcat|telnet|nslookup|dig|host|ping|http|busybox\s+wget)(?=\s|$)/;
const DNS_PROGRAMS = /(?:^|[\s|;&(`$/])(nslookup|dig|host)(?=\s|$)/;

/** Whether a command line sends something worth tracing: the only lines that start a read of the nodes. */
export function sendsNetworkRequest(command: string): boolean {
  return NETWORK_PROGRAMS.test(command);
}

/**
 * The destination a command names, matched against the live map: a Service by ClusterIP or DNS name, a
 * NodePort by its number (on a node address or on this computer's published port), a pod by IP. The path
 * itself is then read from the nodes; this only tells which of the rules that moved belong to this command.
 */
export function traceTarget(command: string, map: NetworkMap): TraceTarget {
  const services = map.services;
  if (DNS_PROGRAMS.test(command)) {
    const dns = services.find((service) => service.namespace === 'kube-system' && service.ports.some((port) => port.port === 53));
    return { kind: 'dns', ...(dns ? { service: dns } : {}) };
  }
  const endpoints = [...command.matchAll(/(?:https?:\/\/)?(\[?[A-Za-z0-9.-]+\]?)(?::(\d{1,5}))?/g)].map((match) => ({
    host: match[1] ?? '',
    port: match[2] ? Number(match[2]) : undefined,
  }));
  // `nc 10.96.0.10 53`: the port as a separate word.
  const loosePorts = [...command.matchAll(/\s(\d{2,5})(?=\s|$)/g)].map((match) => Number(match[1]));
  for (const { host, port } of endpoints) {
    const byIp = services.find((service) => service.clusterIP === host);
    if (byIp) return { kind: 'service', service: byIp, address: host, ...withPort(port ?? loosePorts[0] ?? byIp.ports[0]?.port) };
    const byName = serviceByName(host, services);
    if (byName) return { kind: 'service', service: byName, ...(byName.clusterIP ? { address: byName.clusterIP } : {}), ...withPort(port ?? byName.ports[0]?.port) };
    const nodePort = port ?? loosePorts[0];
    const isNode = map.nodes.some((node) => node.ip === host) || host === '127.0.0.1' || host === 'localhost' || map.lab?.jumphost?.ip === host;
    if (isNode && nodePort !== undefined) {
      const published = map.lab?.publishedPorts.find((item) => item.hostPort === nodePort && (host === '127.0.0.1' || host === 'localhost'));
      const wanted = published?.nodePort ?? nodePort;
      const service = services.find((item) => item.ports.some((p) => p.nodePort === wanted));
      if (service) return { kind: 'node-port', service, address: host, nodePort: wanted, port: nodePort };
    }
    if (map.pods.some((pod) => pod.ip === host)) return { kind: 'pod', address: host, ...withPort(port ?? loosePorts[0]) };
  }
  return { kind: 'unknown' };
}

function withPort(port: number | undefined): { port?: number } {
  return port === undefined ? {} : { port };
}

/** `web`, `web.ns`, `web.ns.svc`, `web.ns.svc.cluster.local`: the names CoreDNS answers for a Service. */
function serviceByName(host: string, services: readonly MapService[]): MapService | undefined {
  if (!/[a-z]/i.test(host) || host === 'localhost') return undefined;
  const parts = host.replace(/\.$/, '').split('.');
  const [name, namespace] = parts;
  const candidates = services.filter((service) => service.name === name && (namespace === undefined || namespace === 'svc' || service.namespace === namespace));
  return candidates.find((service) => service.namespace === 'default') ?? candidates[0];
}
