import crypto from 'node:crypto';
import { stringify } from 'yaml';
import { serverNode, type EnvConfig, type EnvNodeConfig } from './config.ts';
import { mirrorPath, needsFailCgroupV1False } from './versions.ts';
import { auditApiServerSettings } from './api-audit-config.ts';

export const API_SERVER_PORT = 6443;
/** Files Labdeck copies into every node before its first start; kubeadm reads them with --config. */
export const KUBEADM_CONFIG_PATH = '/etc/labdeck/kubeadm.yaml';
export const FLANNEL_MANIFEST_PATH = '/etc/labdeck/kube-flannel.yaml';
/** kubeadm's admin kubeconfig on the control-plane node: the file the guide's ~/.kube/config is a copy of. */
export const ADMIN_KUBECONFIG_PATH = '/etc/kubernetes/admin.conf';
export const CA_CERT_PATH = '/etc/kubernetes/pki/ca.crt';
/** Where the node entrypoint writes the kubelet's and containerd's output, and Labdeck kubeadm's. */
export const NODE_LOG_DIR = '/var/log/labdeck';
export const REGISTRY_PORT = 5000;

const KUBEADM_API = 'kubeadm.k8s.io/v1beta4';

/** A bootstrap token as kubeadm wants it: [a-z0-9]{6}.[a-z0-9]{16}, from a cryptographic source. */
export function newBootstrapToken(random: (size: number) => Buffer = crypto.randomBytes): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const pick = (length: number) => [...random(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `${pick(6)}.${pick(16)}`;
}

/** kubeadm's --discovery-token-ca-cert-hash: sha256 of the CA certificate's SubjectPublicKeyInfo. */
export function caCertHash(caPem: string): string {
  const spki = new crypto.X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${crypto.createHash('sha256').update(spki).digest('hex')}`;
}

function kubeletConfiguration(config: EnvConfig): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // No systemd in the node: kubelet and containerd both manage cgroups directly.
    cgroupDriver: 'cgroupfs',
    failSwapOn: false,
    // A laptop's disk is shared with everything else: never evict pods or collect images for disk pressure.
    imageGCHighThresholdPercent: 100,
    evictionHard: { 'nodefs.available': '0%', 'nodefs.inodesFree': '0%', 'imagefs.available': '0%' },
    ...(needsFailCgroupV1False(config.kubernetes.version) ? { failCgroupV1: false } : {}),
  };
}

/**
 * kubeadm's configuration for the control-plane node: the guide's cluster (name kubernetes, pods
 * 10.244.0.0/16, services 10.96.0.0/12), kube-proxy in iptables mode, and the bootstrap token the workers
 * join with, chosen by Labdeck so no output has to be parsed.
 */
export function renderInitConfiguration(config: EnvConfig, token: string): string {
  const server = serverNode(config);
  const init = {
    apiVersion: KUBEADM_API,
    kind: 'InitConfiguration',
    bootstrapTokens: [{ token, ttl: '0s', groups: ['system:bootstrappers:kubeadm:default-node-token'], usages: ['signing', 'authentication'] }],
    localAPIEndpoint: { advertiseAddress: server.ip, bindPort: API_SERVER_PORT },
    nodeRegistration: nodeRegistration(server),
  };
  const cluster = {
    apiVersion: KUBEADM_API,
    kind: 'ClusterConfiguration',
    clusterName: 'kubernetes',
    kubernetesVersion: config.kubernetes.version,
    controlPlaneEndpoint: `${server.ip}:${API_SERVER_PORT}`,
    networking: {
      podSubnet: config.kubernetes.podSubnet,
      serviceSubnet: config.kubernetes.serviceSubnet,
      dnsDomain: config.kubernetes.clusterDomain,
    },
    apiServer: {
      // The host reaches the API through a published port on 127.0.0.1 (or a remote engine's name).
      certSANs: [...new Set([server.name, server.ip, '127.0.0.1', 'localhost', ...config.apiServer.extraTlsSans])],
      ...auditApiServerSettings(),
    },
  };
  const proxy = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    // nf_conntrack_max is a host-wide setting a node container cannot (and must not) change.
    conntrack: { maxPerCore: 0 },
  };
  return [init, cluster, kubeletConfiguration(config), proxy].map((doc) => stringify(doc)).join('---\n');
}

/** kubeadm's configuration for a worker: join the control plane with the token, pinned to its CA. */
export function renderJoinConfiguration(config: EnvConfig, node: EnvNodeConfig, token: string, caHash: string): string {
  const server = serverNode(config);
  return stringify({
    apiVersion: KUBEADM_API,
    kind: 'JoinConfiguration',
    discovery: { bootstrapToken: { apiServerEndpoint: `${server.ip}:${API_SERVER_PORT}`, token, caCertHashes: [caHash] } },
    nodeRegistration: nodeRegistration(node),
  });
}

function nodeRegistration(node: EnvNodeConfig): Record<string, unknown> {
  return {
    name: node.name,
    criSocket: 'unix:///run/containerd/containerd.sock',
    kubeletExtraArgs: [{ name: 'node-ip', value: node.ip }],
    // Without systemd kubeadm cannot check the kubelet service, and a laptop may have swap or little memory.
    ignorePreflightErrors: ['SystemVerification', 'Swap', 'NumCPU', 'Mem', 'FileContent--proc-sys-net-bridge-bridge-nf-call-iptables'],
    ...(node.role === 'server' ? {} : { taints: [] }),
  };
}

/**
 * containerd's hosts.toml for one upstream registry: ask Labdeck's mirror first, then the registry itself
 * (online only). Offline, an image the mirror lacks fails as it would on any cluster: ErrImagePull.
 */
export function renderMirrorHosts(config: EnvConfig, upstream: string): string {
  const server = upstream === 'docker.io' ? 'https://registry-1.docker.io' : `https://${upstream}`;
  return [
    `# Written by Labdeck: ${upstream} images come from the lab's registry mirror when it has them.`,
    `server = "${server}"`,
    '',
    `[host."http://${config.registry.ip}:${REGISTRY_PORT}"]`,
    '  capabilities = ["pull", "resolve"]',
    '',
  ].join('\n');
}

export const MIRRORED_REGISTRIES = ['docker.io', 'registry.k8s.io'] as const;

export function mirrorHostsPath(upstream: string): string {
  return `/etc/containerd/certs.d/${upstream}/hosts.toml`;
}

export { mirrorPath };
