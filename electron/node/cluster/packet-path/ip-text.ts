/** Parsers for the `ip` command's output, as the nodes' iproute2 prints it. */

export interface InterfaceAddress {
  name: string;
  /** CIDR form, e.g. 10.244.1.1/24. */
  address: string;
}

/** `ip -o -4 addr`: one line per address. */
export function parseIpAddr(output: string): InterfaceAddress[] {
  return output.split('\n').flatMap((line) => {
    const match = /^\d+:\s+(\S+?)(?:@\S+)?\s+inet\s+(\S+)/.exec(line.trim());
    return match?.[1] && match[2] ? [{ name: match[1], address: match[2] }] : [];
  });
}

export type LinkKind = 'bridge' | 'vxlan' | 'veth' | 'loopback' | 'other';

export interface LinkInfo {
  name: string;
  kind: LinkKind;
  /** For a VXLAN device: its id, the local address it tunnels from and the UDP port. */
  vxlan?: { id: number; local?: string; port?: number };
  /** The bridge a device is a port of (veths of pods are ports of the CNI bridge). */
  master?: string;
}

/** `ip -o -d link`: one line per device, with its kind's details after the link-layer address. */
export function parseIpLinks(output: string): LinkInfo[] {
  return output.split('\n').flatMap((raw) => {
    const line = raw.replaceAll('\\', ' ');
    const match = /^\d+:\s+([^:@\s]+)(?:@\S+)?:\s/.exec(line.trim());
    if (!match?.[1]) return [];
    const name = match[1];
    const master = /\smaster\s+(\S+)/.exec(line)?.[1];
    const vxlan = /\svxlan id (\d+)(?: local (\S+))?/.exec(line);
    const vxlanPort = /\sdstport (\d+)/.exec(line)?.[1];
    let kind: LinkKind = 'other';
    if (vxlan) kind = 'vxlan';
    else if (/\sbridge\s+forward_delay/.test(line)) kind = 'bridge';
    else if (/\sveth\s/.test(line)) kind = 'veth';
    else if (/link\/loopback/.test(line)) kind = 'loopback';
    return [
      {
        name,
        kind,
        ...(master ? { master } : {}),
        ...(vxlan?.[1]
          ? { vxlan: { id: Number(vxlan[1]), ...(vxlan[2] ? { local: vxlan[2] } : {}), ...(vxlanPort ? { port: Number(vxlanPort) } : {}) } }
          : {}),
      },
    ];
  });
}

export interface RouteChoice {
  destination: string;
  via?: string;
  device: string;
  source?: string;
  /** The first line as printed, for showing the attendee. */
  line: string;
}

/** `ip route get <address>`: the route the kernel picks for that address. */
export function parseRouteGet(output: string): RouteChoice | null {
  const line = output.split('\n')[0]?.trim() ?? '';
  const destination = /^(\S+)/.exec(line)?.[1];
  const device = /\sdev\s+(\S+)/.exec(line)?.[1];
  if (!destination || !device) return null;
  const via = /\svia\s+(\S+)/.exec(line)?.[1];
  const source = /\ssrc\s+(\S+)/.exec(line)?.[1];
  return { destination, device, line, ...(via ? { via } : {}), ...(source ? { source } : {}) };
}

/** `ip -4 route`: the routing table, one route per line. */
export function parseRouteTable(output: string): RouteChoice[] {
  return output.split('\n').flatMap((raw) => {
    const line = raw.trim();
    if (!line) return [];
    const parsed = parseRouteGet(line);
    return parsed ? [parsed] : [];
  });
}
