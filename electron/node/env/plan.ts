import type Docker from 'dockerode';
import { AUDIT_POLICY_PATH, renderAuditPolicy } from './api-audit-config.ts';
import { serverNode, type EnvConfig, type EnvNodeConfig } from './config.ts';
import { renderFlannelManifest } from './flannel-manifest.ts';
import {
  API_SERVER_PORT,
  FLANNEL_MANIFEST_PATH,
  KUBEADM_CONFIG_PATH,
  MIRRORED_REGISTRIES,
  mirrorHostsPath,
  REGISTRY_PORT,
  renderInitConfiguration,
  renderMirrorHosts,
} from './kubeadm-config.ts';
import { LABEL_NODE, LABEL_PLAN_VERSION, LABEL_PRIVILEGE, LABEL_ROLE, labLabels, type LabRole } from './labels.ts';
import { ALMOST_PRIVILEGED_CAPABILITIES, type PrivilegeMode } from './privilege.ts';
import { proxyEnv } from './proxy.ts';

/** Bumped when the shape of created containers changes, so resume can refuse an environment it cannot drive. */
export const PLAN_VERSION = '2';

/** A node's /var (containerd's images and snapshots, etcd, the kubelet) lives in a named volume. */
export const NODE_VOLUME_TARGET = '/var';
export const REGISTRY_VOLUME_TARGET = '/var/lib/registry';
export const COMPANY_CA_NODE_PATH = '/etc/labdeck/company-ca.pem';

export interface PlannedFile {
  path: string;
  content: string;
  mode: number;
}

export interface PlannedContainer {
  name: string;
  role: LabRole;
  ip: string;
  /** Exactly the body of POST /containers/create (dockerode's createContainer options). */
  create: Docker.ContainerCreateOptions & { name: string; Image: string };
  /** Copied into the container after it is created and before its first start. */
  files: PlannedFile[];
}

export interface PlannedVolume {
  name: string;
  labels: Record<string, string>;
}

export interface EnvPlan {
  envName: string;
  planVersion: string;
  /** Exactly the body of POST /networks/create. */
  network: Docker.NetworkCreateOptions;
  volumes: PlannedVolume[];
  /** The control-plane node first: workers join it. */
  nodes: PlannedContainer[];
  registry: PlannedContainer;
  jumphost: PlannedContainer;
  verifier: PlannedContainer;
  images: { node: string; jumphost: string; registry: string; workload: string[] };
  privilege: PrivilegeMode;
  apiServer: { hostIp: string; hostPort: number; url: string };
  nodePorts: { nodePort: number; hostPort: number }[];
}

/** Values the planner cannot choose by itself: secrets, free host ports, and what the engine allows. */
export interface PlanInputs {
  /** kubeadm's bootstrap token (kubeadm-config.ts newBootstrapToken). */
  token: string;
  /** Privileged where the engine allows it; else every capability it grants (privilege.ts). */
  privilege: PrivilegeMode;
  apiHostPort: number;
  /** Host port (on 127.0.0.1) of the registry mirror, for the engine's pushes. */
  registryHostPort: number;
  /** Host port for each configured NodePort. */
  nodePortHostPorts: Record<number, number>;
  companyCaPem?: string;
}

/** Pure: the same config and inputs always give the same requests. `labdeck env up --dry-run` prints this. */
export function planEnvironment(config: EnvConfig, inputs: PlanInputs): EnvPlan {
  const server = serverNode(config);
  const agents = config.nodes.filter((node) => node.role === 'agent');
  const nodePorts = config.nodePorts.map((nodePort) => ({ nodePort, hostPort: inputs.nodePortHostPorts[nodePort] ?? nodePort }));

  const network: Docker.NetworkCreateOptions = {
    Name: config.network.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    IPAM: {
      Driver: 'default',
      Config: [{ Subnet: config.network.subnet, Gateway: config.network.gateway, IPRange: config.network.ipRange }],
    },
    Labels: labLabels(config.name),
    ...(config.network.masquerade ? {} : { Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' } }),
  };

  const volumes: PlannedVolume[] = [];
  const nodes = [server, ...agents].map((node) => {
    const nodeVolumes = [NODE_VOLUME_TARGET].map((target) => ({
      name: volumeName(config.name, node.name, target),
      target,
      labels: labLabels(config.name, { [LABEL_ROLE]: node.role, [LABEL_NODE]: node.name }),
    }));
    volumes.push(...nodeVolumes.map(({ name, labels }) => ({ name, labels })));
    return planNode(config, node, inputs, nodeVolumes, node.role === 'server' ? nodePorts : []);
  });

  const registry = planRegistry(config, inputs);
  for (const mount of registry.create.HostConfig?.Mounts ?? []) {
    if (mount.Source) volumes.push({ name: mount.Source, labels: mount.VolumeOptions?.Labels ?? {} });
  }

  return {
    envName: config.name,
    planVersion: PLAN_VERSION,
    network,
    volumes,
    nodes,
    registry,
    jumphost: planToolbox(config, 'jumphost', config.jumphost.name, config.jumphost.ip, inputs),
    verifier: planToolbox(config, 'verifier', config.verifier.name, config.verifier.ip, inputs),
    images: { node: config.kubernetes.nodeImage, jumphost: config.jumphost.image, registry: config.registry.image, workload: [...config.workloadImages] },
    privilege: inputs.privilege,
    apiServer: {
      hostIp: config.apiServer.hostIp,
      hostPort: inputs.apiHostPort,
      url: `https://${config.apiServer.hostIp}:${inputs.apiHostPort}`,
    },
    nodePorts,
  };
}

export function volumeName(envName: string, nodeName: string, target: string): string {
  return `${envName}-${nodeName}${target.replace(/[^a-zA-Z0-9]+/g, '-')}`.replace(/-+$/, '');
}

function planNode(
  config: EnvConfig,
  node: EnvNodeConfig,
  inputs: PlanInputs,
  volumes: { name: string; target: string; labels: Record<string, string> }[],
  publish: { nodePort: number; hostPort: number }[],
): PlannedContainer {
  const exposedPorts: Record<string, object> = {};
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  if (node.role === 'server') {
    exposedPorts[`${API_SERVER_PORT}/tcp`] = {};
    portBindings[`${API_SERVER_PORT}/tcp`] = [{ HostIp: config.apiServer.hostIp, HostPort: String(inputs.apiHostPort) }];
    for (const { nodePort, hostPort } of publish) {
      exposedPorts[`${nodePort}/tcp`] = {};
      portBindings[`${nodePort}/tcp`] = [{ HostIp: config.apiServer.hostIp, HostPort: String(hostPort) }];
    }
  }

  const files: PlannedFile[] = MIRRORED_REGISTRIES.map((upstream) => ({ path: mirrorHostsPath(upstream), content: renderMirrorHosts(config, upstream), mode: 0o644 }));
  if (node.role === 'server') {
    files.push(
      { path: KUBEADM_CONFIG_PATH, content: renderInitConfiguration(config, inputs.token), mode: 0o600 },
      { path: FLANNEL_MANIFEST_PATH, content: renderFlannelManifest(config), mode: 0o644 },
      { path: AUDIT_POLICY_PATH, content: renderAuditPolicy(), mode: 0o644 },
    );
  }
  if (inputs.companyCaPem) files.push({ path: COMPANY_CA_NODE_PATH, content: inputs.companyCaPem, mode: 0o644 });

  return {
    name: node.name,
    role: node.role,
    ip: node.ip,
    files,
    create: {
      name: node.name,
      Hostname: node.name,
      Image: config.kubernetes.nodeImage,
      Env: proxyEnv(config),
      Labels: labLabels(config.name, {
        [LABEL_ROLE]: node.role,
        [LABEL_NODE]: node.name,
        [LABEL_PLAN_VERSION]: PLAN_VERSION,
        [LABEL_PRIVILEGE]: inputs.privilege,
      }),
      ExposedPorts: exposedPorts,
      HostConfig: {
        ...nodeSecurity(inputs.privilege),
        // docker-init reaps what the entrypoint's children leave behind and forwards signals.
        Init: true,
        // A cgroup namespace of its own, so each node's kubelet sees (and nests under) its own cgroup tree.
        CgroupnsMode: 'private',
        Tmpfs: { '/run': 'rw,exec,mode=755', '/tmp': 'rw,exec,mode=1777' },
        Mounts: volumes.map(({ name, target, labels }) => ({
          Type: 'volume' as const,
          Source: name,
          Target: target,
          // Named and labelled (not anonymous) so `down` finds them even after a container is gone.
          VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: 'local', Options: {} } },
        })),
        RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
        PortBindings: portBindings,
      },
      NetworkingConfig: {
        EndpointsConfig: {
          [config.network.name]: { IPAMConfig: { IPv4Address: node.ip }, Aliases: [node.name] },
        },
      },
    },
  };
}

/**
 * What a node container may do. Privileged, as kind runs its nodes, where the engine allows it; where it
 * refuses (a VM whose bounding set lacks CAP_SYS_RESOURCE), every capability the engine grants, no seccomp
 * or AppArmor profile, every device, and /dev/kmsg for the kubelet's OOM watcher.
 */
export function nodeSecurity(privilege: PrivilegeMode): Docker.HostConfig {
  if (privilege === 'privileged') return { Privileged: true, SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'] };
  return {
    Privileged: false,
    CapAdd: [...ALMOST_PRIVILEGED_CAPABILITIES],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    DeviceCgroupRules: ['a *:* rmw'],
    Devices: [{ PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm' }],
  };
}

/** The registry mirror: a plain container on the lab network; its port is published for Labdeck's pushes. */
function planRegistry(config: EnvConfig, inputs: PlanInputs): PlannedContainer {
  const { name, ip, image } = config.registry;
  const volume = volumeName(config.name, name, REGISTRY_VOLUME_TARGET);
  const labels = labLabels(config.name, { [LABEL_ROLE]: 'registry' });
  return {
    name,
    role: 'registry',
    ip,
    files: [],
    create: {
      name,
      Hostname: name,
      Image: image,
      Cmd: ['registry', 'serve', '--address', `:${REGISTRY_PORT}`, '--disk', REGISTRY_VOLUME_TARGET],
      Labels: { ...labels, [LABEL_PLAN_VERSION]: PLAN_VERSION },
      ExposedPorts: { [`${REGISTRY_PORT}/tcp`]: {} },
      HostConfig: {
        Init: true,
        RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
        // Docker treats 127.0.0.0/8 registries as insecure (plain HTTP): the engine pushes here as is.
        PortBindings: { [`${REGISTRY_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(inputs.registryHostPort) }] },
        Mounts: [{ Type: 'volume', Source: volume, Target: REGISTRY_VOLUME_TARGET, VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: 'local', Options: {} } } }],
      },
      NetworkingConfig: { EndpointsConfig: { [config.network.name]: { IPAMConfig: { IPv4Address: ip }, Aliases: [name] } } },
    },
  };
}

/** The jumphost and the verifier: the same image and network setup; only the attendee works on the jumphost. */
function planToolbox(config: EnvConfig, role: 'jumphost' | 'verifier', name: string, ip: string, inputs: PlanInputs): PlannedContainer {
  const domain = config.kubernetes.clusterDomain;
  const files: PlannedFile[] = [];
  if (inputs.companyCaPem) files.push({ path: '/usr/local/share/ca-certificates/labdeck-company-ca.crt', content: inputs.companyCaPem, mode: 0o644 });
  return {
    name,
    role,
    ip,
    files,
    create: {
      name,
      Hostname: name,
      Image: config.jumphost.image,
      Cmd: ['sleep', 'infinity'],
      Env: [`LABDECK_ENV=${config.name}`, ...proxyEnv(config)],
      Labels: labLabels(config.name, { [LABEL_ROLE]: role, [LABEL_PLAN_VERSION]: PLAN_VERSION }),
      HostConfig: {
        Init: true,
        // Only for Labdeck's root execs that add the pod and service routes; the attendee is not root.
        CapAdd: ['NET_ADMIN'],
        RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
        // On a user-defined network Docker's embedded DNS (127.0.0.11) stays the resolver and answers node
        // names itself; these become its upstream, so cluster names go to CoreDNS over the service route.
        Dns: [config.kubernetes.clusterDns],
        DnsSearch: [`default.svc.${domain}`, `svc.${domain}`, domain],
      },
      NetworkingConfig: {
        EndpointsConfig: { [config.network.name]: { IPAMConfig: { IPv4Address: ip }, Aliases: [name] } },
      },
    },
  };
}
