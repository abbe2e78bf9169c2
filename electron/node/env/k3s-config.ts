import { stringify } from 'yaml';
import { serverNode, type EnvConfig, type EnvNodeConfig } from './config.ts';
import { needsFailCgroupV1False } from './versions.ts';

/** Where k3s reads its configuration; attendees find the pod subnet here on master1 (the CNI lab). */
export const K3S_CONFIG_PATH = '/etc/rancher/k3s/config.yaml';
/** Resolver file handed to k3s (--resolv-conf) and through it to CoreDNS as its upstream. */
export const NODE_RESOLV_CONF_PATH = '/etc/labdeck/resolv.conf';
export const API_SERVER_PORT = 6443;

/** The k3s settings of one node, as the YAML k3s reads. Flags are keys without their leading dashes. */
export function k3sConfigFor(config: EnvConfig, node: EnvNodeConfig): Record<string, unknown> {
  const kubeletArgs = needsFailCgroupV1False(config.k3s.version) ? ['fail-cgroupv1=false'] : [];
  const common = {
    'node-name': node.name,
    'node-ip': node.ip,
    'resolv-conf': NODE_RESOLV_CONF_PATH,
    // Services work through iptables rules the guide's ClusterIP and NodePort labs look at.
    'kube-proxy-arg': ['proxy-mode=iptables'],
    ...(kubeletArgs.length > 0 ? { 'kubelet-arg': kubeletArgs } : {}),
  };
  if (node.role === 'agent') return common;
  const server = serverNode(config);
  return {
    ...common,
    'cluster-cidr': config.k3s.clusterCidr,
    'service-cidr': config.k3s.serviceCidr,
    'cluster-dns': config.k3s.clusterDns,
    'cluster-domain': config.k3s.clusterDomain,
    // The API server certificate must be valid for the names the jumphost and the host use.
    'tls-san': [...new Set([server.name, server.ip, ...config.apiServer.extraTlsSans])],
    disable: config.k3s.disable,
    // host-gw instead of k3s's default vxlan: every node then holds a plain kernel route "<pod range of
    // node X> via <IP of node X>", which is exactly what the guide's CNI lab shows with `ip route`, and no
    // encapsulation hides pod addresses on the wire. It needs all nodes on one L2 segment, which the lab
    // bridge network guarantees.
    'flannel-backend': config.k3s.flannelBackend,
  };
}

export function renderK3sConfig(config: EnvConfig, node: EnvNodeConfig): string {
  const header = [
    '# k3s configuration of this node, written by Labdeck before k3s started.',
    '# Each key is a k3s command-line flag; cluster-cidr is the range pods get their addresses from.',
    '',
  ].join('\n');
  return header + stringify(k3sConfigFor(config, node));
}

/**
 * Upstream resolver for the node's pods. Docker's embedded DNS (127.0.0.11) answers only inside the node's
 * own loopback, so pods could not reach it; the entrypoint makes it answer on the gateway address as well.
 */
export function renderNodeResolvConf(config: EnvConfig): string {
  return `# Written by Labdeck: Docker's embedded DNS, reachable from pods through the network gateway\nnameserver ${config.network.gateway}\n`;
}

/**
 * The node entrypoint, run by docker-init before k3s. Same two fixes k3d applies (pkg/types/fixes), written
 * for this project: cgroup v2 nesting and the embedded-DNS redirect; plus the optional company CA.
 */
export function renderNodeEntrypoint(config: EnvConfig): string {
  const gateway = config.network.gateway;
  return `#!/bin/sh
# Labdeck node entrypoint: prepares the container for k3s, then replaces itself with k3s.
set -eu

# cgroup v2: a cgroup that holds processes cannot delegate controllers to children, so move this
# container's processes into a leaf group first and then enable every controller for the kubelet's groups.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  busybox xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control
fi

# DNS: Docker's embedded resolver listens on 127.0.0.11 inside this network namespace only. Rewrite
# Docker's NAT rules so that queries to the gateway (${gateway}) reach it too, also when they come from pods
# (PREROUTING), and point k3s at the gateway through --resolv-conf.
iptables-save \\
  | sed -e 's/-d 127.0.0.11/-d ${gateway}/g' \\
        -e 's/-A OUTPUT \\(.*\\) -j DOCKER_OUTPUT/\\0\\n-A PREROUTING \\1 -j DOCKER_OUTPUT/' \\
        -e 's/--to-source :53/--to-source ${gateway}:53/g' \\
  | iptables-restore
# The node's own lookups (k3s resolving the server name in K3S_URL) must follow the same way.
if grep -q '127.0.0.11' /etc/resolv.conf; then
  sed -e 's/127.0.0.11/${gateway}/g' /etc/resolv.conf > /tmp/labdeck-resolv.conf
  cat /tmp/labdeck-resolv.conf > /etc/resolv.conf
fi

# A company CA (TLS-intercepting proxy) must be trusted by containerd when it pulls images.
if [ -s /etc/labdeck/company-ca.pem ] && ! grep -q 'Labdeck company CA' /etc/ssl/certs/ca-certificates.crt 2>/dev/null; then
  mkdir -p /etc/ssl/certs
  { echo '# Labdeck company CA'; cat /etc/labdeck/company-ca.pem; } >> /etc/ssl/certs/ca-certificates.crt
fi

exec /bin/k3s "$@"
`;
}
