/**
 * The jumphost is not a cluster node, so it has no flannel routes. Labdeck gives it one route per node's
 * pod range via that node, and one for the service range via the server (kube-proxy there DNATs service
 * addresses), which lets `curl <pod IP>` and `curl <ClusterIP>` work from it as in the guide.
 */
export interface RouteSpec {
  destination: string;
  via: string;
}

export function jumphostRoutes(
  nodes: readonly { name: string; ip: string | null; podCIDR: string | null }[],
  serviceCidr: string,
  serverIp: string,
): RouteSpec[] {
  const routes = nodes.flatMap((node) => (node.podCIDR && node.ip ? [{ destination: node.podCIDR, via: node.ip }] : []));
  routes.push({ destination: serviceCidr, via: serverIp });
  return routes;
}

/** `ip route replace` is idempotent: running it after every start fixes stale or missing routes alike. */
export function routeCommands(routes: readonly RouteSpec[]): string[][] {
  return routes.map((route) => ['ip', 'route', 'replace', route.destination, 'via', route.via]);
}

/** Parses `ip -4 route show` output into destination/via pairs (other routes are ignored). */
export function parseIpRoutes(output: string): RouteSpec[] {
  return output.split('\n').flatMap((line) => {
    const match = /^(\S+)\s+via\s+(\S+)/.exec(line.trim());
    return match?.[1] && match[2] && match[1] !== 'default' ? [{ destination: match[1], via: match[2] }] : [];
  });
}

export function missingRoutes(wanted: readonly RouteSpec[], present: readonly RouteSpec[]): RouteSpec[] {
  return wanted.filter((route) => !present.some((have) => have.destination === route.destination && have.via === route.via));
}
