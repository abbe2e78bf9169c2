/**
 * A description of a lab cluster's data plane: what the harness (harness.ts) makes real with containers, routes,
 * iptables rules and DNS zones, and what the check world (harness-world.ts) shows as Kubernetes objects.
 * Worlds are plain data, so a "wrong world" is a copy of the right one with one thing changed (see variants.ts).
 */

/** The pod images the harness can run; each stands for the workshop image named in the comment. */
export type PodImage =
  /** busybox42/alpine-pod or busybox: only busybox applets (sh, nslookup, wget, ping). */
  | 'busybox'
  /** nginx / nginx:1.14.2: nginx serving "Welcome to nginx!" on port 80. */
  | 'nginx'
  /** CoreDNS (the kube-dns pod): a DNS server answering for cluster.local from the world's Services. */
  | 'dns';

export interface WorldNode {
  name: string;
  role: 'server' | 'agent';
  /** Address on the lab network (10.1.1.0/24). */
  ip: string;
  /** spec.podCIDR, e.g. 10.244.1.0/24; the node holds .1 of it, as cni0 does. */
  podCidr: string;
  /** /etc/rancher/k3s/config.yaml as k3s reads it on this node (absent: no file). */
  k3sConfig?: string;
  /** false: kube-proxy has not synced this node (its KUBE-* chains are empty), as right after a restart. */
  kubeProxySynced?: boolean;
}

export interface WorldPod {
  namespace: string;
  name: string;
  node: string;
  ip: string;
  image: PodImage;
  /** The image the Pod object names (spec.containers[0].image); only shown to checks. */
  imageName?: string;
  labels: Record<string, string>;
  /** ClusterFirst (default): the kubelet's resolv.conf pointing at kube-dns; Default: the node's resolver. */
  dnsPolicy?: 'ClusterFirst' | 'Default';
  /**
   * metadata.uid of a mirrored pod (live-mirror.ts): a pod deleted and created again under the same name is a
   * new container with an empty log, as on a kubelet, even when it lands on the same node and address.
   */
  uid?: string;
}

export interface WorldServicePort {
  /** Empty or absent for a single unnamed port (kubectl expose). */
  name?: string;
  protocol: 'TCP' | 'UDP';
  port: number;
  targetPort: number;
  nodePort?: number;
}

export interface WorldService {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort';
  clusterIP: string;
  ports: WorldServicePort[];
  selector?: Record<string, string>;
  /**
   * Endpoint addresses as the endpoints controller would list them. Absent: every pod the selector matches,
   * in world order. Explicit for Services without a selector (kubernetes -> 10.1.1.10) and for wrong worlds.
   */
  endpoints?: string[];
}

export interface WorldDns {
  /** insecure: any IP-shaped name under <ns>.pod.cluster.local answers (CoreDNS `pods insecure`, k3s's default). */
  podRecords: 'insecure' | 'disabled';
  /**
   * Wrong answers on purpose: a fully qualified name (no trailing dot) mapped to the address the DNS server
   * answers instead, or to null for NXDOMAIN (the name and the SRV records below it vanish). Applied after the
   * records computed from the Services.
   */
  overrides?: Record<string, string | null>;
}

export interface World {
  clusterCidr: string;
  serviceCidr: string;
  clusterDomain: string;
  /** The kube-dns ClusterIP every pod's resolv.conf names. */
  clusterDns: string;
  /** The lab network's gateway: the nodes' default route, as Docker's bridge gateway is on the real lab. */
  gateway: string;
  nodes: WorldNode[];
  pods: WorldPod[];
  services: WorldService[];
  dns: WorldDns;
  /** false: no host-gw routes between nodes (flannel not running), so pods on other nodes are unreachable. */
  hostGwRoutes: boolean;
  /** Lab network addresses outside the cluster: the jumphost and the verifier. */
  jumphostIp: string;
  verifierIp: string;
}

/** A world copy to change freely: variants never alter the world they start from. */
export function cloneWorld(world: World): World {
  return structuredClone(world);
}

export function findNode(world: World, name: string): WorldNode {
  const node = world.nodes.find((candidate) => candidate.name === name);
  if (!node) throw new Error(`the world has no node ${name}`);
  return node;
}

export function findService(world: World, namespace: string, name: string): WorldService {
  const service = world.services.find((candidate) => candidate.namespace === namespace && candidate.name === name);
  if (!service) throw new Error(`the world has no Service ${namespace}/${name}`);
  return service;
}

export function findPod(world: World, namespace: string, name: string): WorldPod {
  const pod = world.pods.find((candidate) => candidate.namespace === namespace && candidate.name === name);
  if (!pod) throw new Error(`the world has no pod ${namespace}/${name}`);
  return pod;
}

/** The endpoint addresses of a Service: explicit ones, or the pods its selector matches (the endpoints controller). */
export function serviceEndpoints(world: World, service: WorldService): string[] {
  if (service.endpoints) return [...service.endpoints];
  const selector = service.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  return world.pods
    .filter((pod) => pod.namespace === service.namespace && Object.entries(selector).every(([key, value]) => pod.labels[key] === value))
    .map((pod) => pod.ip);
}

/** Namespaces that exist: k3s's own plus every namespace an object lives in. */
export function worldNamespaces(world: World): string[] {
  const names = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
  for (const item of [...world.pods, ...world.services]) names.add(item.namespace);
  return [...names].sort();
}

/** The address a node holds in its own pod range (cni0's address in k3s): the first host address. */
export function podGateway(podCidr: string): string {
  const [network = ''] = podCidr.split('/');
  const octets = network.split('.').map(Number);
  octets[3] = (octets[3] ?? 0) + 1;
  return octets.join('.');
}

export function prefixLength(cidr: string): number {
  const length = Number(cidr.split('/')[1]);
  if (!Number.isInteger(length)) throw new Error(`${cidr} is not a CIDR`);
  return length;
}
