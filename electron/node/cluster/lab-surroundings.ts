import type { LabSurroundings, MapInterface, NetworkMap } from '../../common/api/cluster.ts';
import type { LabContainers } from '../backend/ports.ts';
import { parseIpAddr, parseIpLinks } from './packet-path/ip-text.ts';

const EXEC_TIMEOUT_MS = 5_000;
/** A node whose CNI devices are not all there yet (cni0 appears with its first pod) is read again, at most this often. */
const RETRY_MS = 10_000;
/** Published ports are read again after this long: `env up` may have re-published them. */
const PORTS_TTL_MS = 30_000;

type MapNode = NetworkMap['nodes'][number];

/**
 * What the Kubernetes API does not know but the map shows: each node's CNI devices (bridge, VXLAN tunnel and
 * its own address), the jumphost and the lab network, and the NodePorts this computer publishes. Read from
 * the containers through docker exec once per node (again only while a node's CNI devices are incomplete),
 * never on a timer.
 */
export class LabSurroundingsReader {
  readonly #containers: LabContainers;
  readonly #interfaces = new Map<string, { interfaces: MapInterface[]; complete: boolean; readAt: number }>();
  #jumphost: { ip: string; network: string } | null = null;
  #jumphostReadAt: number | null = null;
  readonly #ports = new Map<number, { hostPort: number | null; readAt: number }>();
  readonly #now: () => number;

  constructor(containers: LabContainers, now: () => number = Date.now) {
    this.#containers = containers;
    this.#now = now;
  }

  /** The map with what is already known merged in; no I/O, so a map update is never held up. */
  apply(map: NetworkMap): NetworkMap {
    if (!map.available) return map;
    const nodes = map.nodes.map((node): MapNode => {
      const known = this.#interfaces.get(node.name);
      return known ? { ...node, interfaces: known.interfaces } : node;
    });
    const server = map.nodes.find((node) => node.role === 'control-plane')?.name;
    const publishedPorts: LabSurroundings['publishedPorts'] = [];
    for (const nodePort of nodePortsOf(map)) {
      const hostPort = this.#ports.get(nodePort)?.hostPort;
      if (hostPort) publishedPorts.push({ nodePort, hostPort, host: '127.0.0.1', ...(server ? { node: server } : {}) });
    }
    const network = this.#jumphost?.network ?? networkFromNodes(nodes);
    return {
      ...map,
      nodes,
      lab: {
        ...(network ? { network } : {}),
        ...(this.#jumphost ? { jumphost: { ip: this.#jumphost.ip } } : {}),
        publishedPorts,
      },
    };
  }

  /** Reads what is missing or stale; true when something new was learnt (the map should be sent again). */
  async refresh(map: NetworkMap): Promise<boolean> {
    if (!map.available) return false;
    const results = await Promise.allSettled([
      ...map.nodes.map((node) => this.#readNode(node)),
      this.#readJumphost(),
      ...nodePortsOf(map).map((nodePort) => this.#readPort(nodePort)),
    ]);
    return results.some((result) => result.status === 'fulfilled' && result.value);
  }

  async #readNode(node: MapNode): Promise<boolean> {
    const known = this.#interfaces.get(node.name);
    if (known && (known.complete || this.#now() - known.readAt < RETRY_MS)) return false;
    const id = await this.#containers.containerFor({ kind: 'node', node: node.name });
    if (!id) return false;
    const outcome = await this.#containers.exec(id, ['sh', '-c', 'ip -o -4 addr; echo @@links; ip -o -d link'], { timeoutMs: EXEC_TIMEOUT_MS });
    if (outcome.exitCode !== 0) return false;
    const interfaces = cniInterfaces(outcome.output, node.ip);
    const complete = interfaces.some((item) => item.kind === 'bridge') && interfaces.some((item) => item.kind === 'vxlan');
    this.#interfaces.set(node.name, { interfaces, complete, readAt: this.#now() });
    return JSON.stringify(known?.interfaces) !== JSON.stringify(interfaces);
  }

  async #readJumphost(): Promise<boolean> {
    if (this.#jumphost || (this.#jumphostReadAt !== null && this.#now() - this.#jumphostReadAt < RETRY_MS)) return false;
    this.#jumphostReadAt = this.#now();
    const id = await this.#containers.containerFor({ kind: 'jumphost' });
    if (!id) return false;
    const outcome = await this.#containers.exec(id, ['ip', '-o', '-4', 'addr'], { timeoutMs: EXEC_TIMEOUT_MS });
    const address = parseIpAddr(outcome.output).find((item) => item.name !== 'lo');
    if (outcome.exitCode !== 0 || !address) return false;
    this.#jumphost = { ip: address.address.split('/')[0] ?? address.address, network: networkOf(address.address) };
    return true;
  }

  async #readPort(nodePort: number): Promise<boolean> {
    const known = this.#ports.get(nodePort);
    if (known && this.#now() - known.readAt < PORTS_TTL_MS) return false;
    const hostPort = await this.#containers.publishedPort(nodePort);
    this.#ports.set(nodePort, { hostPort, readAt: this.#now() });
    return known?.hostPort !== hostPort;
  }
}

/** The devices worth drawing: the node's own address, and the bridge and VXLAN devices the CNI created. */
export function cniInterfaces(output: string, nodeIp: string | undefined): MapInterface[] {
  const [addrText = '', linkText = ''] = output.split('@@links');
  const addresses = parseIpAddr(addrText);
  const links = parseIpLinks(linkText);
  const found: MapInterface[] = [];
  const own = addresses.find((item) => nodeIp !== undefined && item.address.split('/')[0] === nodeIp);
  if (own) found.push({ name: own.name, kind: 'ethernet', address: own.address });
  for (const link of links) {
    if (link.kind !== 'bridge' && link.kind !== 'vxlan') continue;
    const address = addresses.find((item) => item.name === link.name)?.address;
    found.push({ name: link.name, kind: link.kind, ...(address ? { address } : {}) });
  }
  return found;
}

/** `10.1.1.5/24` -> `10.1.1.0/24`. */
export function networkOf(cidr: string): string {
  const [ip = '', bits = '32'] = cidr.split('/');
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return cidr;
  const prefix = Math.max(0, Math.min(32, Number(bits)));
  const value = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (value & mask) >>> 0;
  return `${[network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255].join('.')}/${prefix}`;
}

/** Without a jumphost to ask, the network the nodes' own interfaces sit on (when they were read). */
function networkFromNodes(nodes: readonly MapNode[]): string | undefined {
  const own = nodes.flatMap((node) => node.interfaces ?? []).find((item) => item.kind === 'ethernet' && item.address);
  return own?.address ? networkOf(own.address) : undefined;
}

function nodePortsOf(map: NetworkMap): number[] {
  const ports = new Set<number>();
  for (const service of map.services) for (const port of service.ports) if (port.nodePort) ports.add(port.nodePort);
  return [...ports].sort((a, b) => a - b);
}
