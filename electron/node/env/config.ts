import { z } from 'zod';
import { DEFAULT_WORKLOAD_IMAGES, JUMPHOST_IMAGE, KUBERNETES_VERSION, NODE_IMAGE, REGISTRY_IMAGE, SYSTEM_IMAGES } from './versions.ts';

const Ipv4 = z.string().regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, 'an IPv4 address');
const Cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'an IPv4 CIDR such as 10.1.1.0/24');
const DnsName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a lowercase DNS label');

export const EnvNodeConfigSchema = z.object({
  name: DnsName,
  role: z.enum(['server', 'agent']),
  ip: Ipv4,
});

/**
 * One lab environment: a kubeadm cluster. Defaults reproduce the workshop guide's cluster: master1 10.1.1.10, worker1 10.1.1.7,
 * worker2 10.1.1.8 and a jumphost on 10.1.1.0/24, pods in 10.244.0.0/16, services in 10.96.0.0/12.
 */
export const EnvConfigSchema = z.object({
  /** Value of the dev.labdeck.env label; lets two environments (or a test) share one engine. */
  name: DnsName.default('labdeck'),
  network: z
    .object({
      name: z.string().min(1).default('labdeck-net'),
      subnet: Cidr.default('10.1.1.0/24'),
      gateway: Ipv4.default('10.1.1.1'),
      /** Docker hands out automatic addresses only from here, so they never collide with the fixed ones. */
      ipRange: Cidr.default('10.1.1.128/25'),
      /**
       * Source NAT for traffic leaving the lab network, so nodes can pull from upstream registries when
       * online. Test machines turn it off: with br_netfilter, such a rule can rewrite another bridge's
       * packets that carry addresses from this subnet.
       */
      masquerade: z.boolean().default(true),
    })
    .prefault({}),
  kubernetes: z
    .object({
      version: z.string().regex(/^v1\.\d+\.\d+$/, 'a Kubernetes release such as v1.33.4').default(KUBERNETES_VERSION),
      nodeImage: z.string().default(NODE_IMAGE),
      /** kubeadm's networking.podSubnet: the controller manager's --cluster-cidr, flannel's Network. */
      podSubnet: Cidr.default('10.244.0.0/16'),
      /** kubeadm's networking.serviceSubnet: the API server's --service-cluster-ip-range. */
      serviceSubnet: Cidr.default('10.96.0.0/12'),
      clusterDns: Ipv4.default('10.96.0.10'),
      clusterDomain: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/).default('cluster.local'),
      /**
       * vxlan, flannel's default: each node gets a flannel.1 device and one route per other node's pod
       * subnet through it, the picture lab 1.6 teaches. host-gw routes via the node addresses instead.
       */
      flannelBackend: z.enum(['vxlan', 'host-gw']).default('vxlan'),
    })
    .prefault({}),
  /** The registry mirror on the lab network that serves every image the nodes pull. */
  registry: z
    .object({ name: DnsName.default('registry'), image: z.string().default(REGISTRY_IMAGE), ip: Ipv4.default('10.1.1.3') })
    .prefault({}),
  nodes: z
    .array(EnvNodeConfigSchema)
    .min(1)
    .default([
      { name: 'master1', role: 'server', ip: '10.1.1.10' },
      { name: 'worker1', role: 'agent', ip: '10.1.1.7' },
      { name: 'worker2', role: 'agent', ip: '10.1.1.8' },
    ]),
  jumphost: z
    .object({ name: DnsName.default('jumphost'), image: z.string().default(JUMPHOST_IMAGE), ip: Ipv4.default('10.1.1.5') })
    .prefault({}),
  verifier: z
    .object({ name: DnsName.default('verifier'), ip: Ipv4.default('10.1.1.6') })
    .prefault({}),
  apiServer: z
    .object({
      hostIp: Ipv4.default('127.0.0.1'),
      preferredHostPort: z.number().int().min(1).max(65535).default(6443),
      /** More names the API certificate must cover, e.g. a remote engine's host name. */
      extraTlsSans: z.array(z.string()).default([]),
    })
    .prefault({}),
  /** NodePorts published to the host; each on the same host port when free, otherwise on another free one. */
  nodePorts: z.array(z.number().int().min(30000).max(32767)).default([30080]),
  proxy: z
    .object({
      httpProxy: z.string().optional(),
      httpsProxy: z.string().optional(),
      /** Added to the cluster's own ranges and names, which must never go through the proxy. */
      noProxy: z.array(z.string()).default([]),
    })
    .prefault({}),
  /** PEM file of a company CA that nodes must trust (TLS-intercepting proxies). */
  caCertFile: z.string().optional(),
  /** Folder with image tarballs for offline use (see bundle.ts for the layout). */
  bundleDir: z.string().optional(),
  workloadImages: z.array(z.string()).default([...DEFAULT_WORKLOAD_IMAGES]),
});

export type EnvConfig = z.infer<typeof EnvConfigSchema>;
export type EnvConfigInput = z.input<typeof EnvConfigSchema>;
export type EnvNodeConfig = z.infer<typeof EnvNodeConfigSchema>;

export function resolveEnvConfig(input: EnvConfigInput = {}): EnvConfig {
  const config = EnvConfigSchema.parse(input);
  const servers = config.nodes.filter((node) => node.role === 'server');
  if (servers.length !== 1) throw new Error(`An environment needs exactly one server node, got ${servers.length}`);
  const names = [...config.nodes.map((node) => node.name), config.jumphost.name, config.verifier.name, config.registry.name];
  if (new Set(names).size !== names.length) throw new Error(`Container names must be unique: ${names.join(', ')}`);
  const ips = [...config.nodes.map((node) => node.ip), config.jumphost.ip, config.verifier.ip, config.registry.ip];
  if (new Set(ips).size !== ips.length) throw new Error(`Fixed addresses must be unique: ${ips.join(', ')}`);
  for (const ip of ips) {
    if (!cidrContains(config.network.subnet, ip)) throw new Error(`${ip} is outside the lab subnet ${config.network.subnet}`);
    if (cidrContains(config.network.ipRange, ip)) {
      throw new Error(`${ip} lies in ${config.network.ipRange}, the range Docker assigns automatically; pick an address below it`);
    }
  }
  // kubeadm gives CoreDNS the tenth address of the service range; the jumphost and the texts use clusterDns.
  const [serviceBase = ''] = config.kubernetes.serviceSubnet.split('/');
  if (ipToNumber(config.kubernetes.clusterDns) !== ipToNumber(serviceBase) + 10) {
    throw new Error(`kubernetes.clusterDns ${config.kubernetes.clusterDns} must be the tenth address of ${config.kubernetes.serviceSubnet}, where kubeadm puts CoreDNS`);
  }
  return config;
}

/**
 * Images the nodes pull through the registry mirror: the cluster's system images and the course's workload
 * images. `env up` pushes those the engine has into the mirror; `env bundle` and packs carry them.
 */
export function mirrorImages(config: EnvConfig): string[] {
  return [...new Set([...SYSTEM_IMAGES, ...config.workloadImages])];
}

export function serverNode(config: EnvConfig): EnvNodeConfig {
  const server = config.nodes.find((node) => node.role === 'server');
  if (!server) throw new Error('The environment has no server node');
  return server;
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [base = '', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const size = 2 ** (32 - bits);
  const start = Math.floor(ipToNumber(base) / size) * size;
  const value = ipToNumber(ip);
  return value >= start && value < start + size;
}

/** True when two CIDR ranges share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const range = (cidr: string): [number, number] => {
    const [base = '', bitsText = '32'] = cidr.split('/');
    const size = 2 ** (32 - Number(bitsText));
    const start = Math.floor(ipToNumber(base) / size) * size;
    return [start, start + size - 1];
  };
  const [aStart, aEnd] = range(a);
  const [bStart, bEnd] = range(b);
  return aStart <= bEnd && bStart <= aEnd;
}
