import type Docker from 'dockerode';
import { serverNode, type EnvConfig, type EnvNodeConfig } from './config.ts';
import { API_SERVER_PORT, K3S_CONFIG_PATH, NODE_RESOLV_CONF_PATH, renderK3sConfig, renderNodeEntrypoint, renderNodeResolvConf } from './k3s-config.ts';
import { LABEL_NODE, LABEL_PLAN_VERSION, LABEL_ROLE, labLabels, type LabRole } from './labels.ts';
import { proxyEnv } from './proxy.ts';

/** Bumped when the shape of created containers changes, so resume can refuse an environment it cannot drive. */
export const PLAN_VERSION = '1';

/** VOLUMEs the rancher/k3s image declares; used when the image cannot be inspected (dry run without Docker). */
export const K3S_IMAGE_VOLUMES = ['/var/lib/kubelet', '/var/lib/rancher/k3s', '/var/lib/cni', '/var/log'] as const;
/** k3s imports every image tarball it finds here when it starts: the offline way to get images onto nodes. */
export const AIRGAP_IMAGES_DIR = '/var/lib/rancher/k3s/agent/images';
export const NODE_ENTRYPOINT_PATH = '/bin/labdeck-entrypoint.sh';
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
  /** Server first: agents join it. */
  nodes: PlannedContainer[];
  jumphost: PlannedContainer;
  verifier: PlannedContainer;
  images: { k3s: string; jumphost: string; workload: string[] };
  apiServer: { hostIp: string; hostPort: number; url: string };
  nodePorts: { nodePort: number; hostPort: number }[];
}

/** Values the planner cannot choose by itself: secrets, free host ports, and what the k3s image declares. */
export interface PlanInputs {
  token: string;
  apiHostPort: number;
  /** Host port for each configured NodePort. */
  nodePortHostPorts: Record<number, number>;
  /** VOLUME paths from `docker image inspect` of the k3s image. */
  imageVolumes?: readonly string[];
  companyCaPem?: string;
}

/** Pure: the same config and inputs always give the same requests. `labdeck env up --dry-run` prints this. */
export function planEnvironment(config: EnvConfig, inputs: PlanInputs): EnvPlan {
  const server = serverNode(config);
  const agents = config.nodes.filter((node) => node.role === 'agent');
  const imageVolumes = inputs.imageVolumes && inputs.imageVolumes.length > 0 ? inputs.imageVolumes : K3S_IMAGE_VOLUMES;
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
  };

  const volumes: PlannedVolume[] = [];
  const nodes = [server, ...agents].map((node) => {
    const nodeVolumes = imageVolumes.map((target) => ({
      name: volumeName(config.name, node.name, target),
      target,
      labels: labLabels(config.name, { [LABEL_ROLE]: node.role, [LABEL_NODE]: node.name }),
    }));
    volumes.push(...nodeVolumes.map(({ name, labels }) => ({ name, labels })));
    return planNode(config, node, inputs, nodeVolumes, node.role === 'server' ? nodePorts : []);
  });

  return {
    envName: config.name,
    planVersion: PLAN_VERSION,
    network,
    volumes,
    nodes,
    jumphost: planToolbox(config, 'jumphost', config.jumphost.name, config.jumphost.ip, inputs),
    verifier: planToolbox(config, 'verifier', config.verifier.name, config.verifier.ip, inputs),
    images: { k3s: config.k3s.image, jumphost: config.jumphost.image, workload: [...config.workloadImages] },
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
  const server = serverNode(config);
  const env = [`K3S_TOKEN=${inputs.token}`, ...proxyEnv(config)];
  if (node.role === 'agent') env.push(`K3S_URL=https://${server.name}:${API_SERVER_PORT}`);

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

  const files: PlannedFile[] = [
    { path: NODE_ENTRYPOINT_PATH, content: renderNodeEntrypoint(config), mode: 0o755 },
    { path: K3S_CONFIG_PATH, content: renderK3sConfig(config, node), mode: 0o644 },
    { path: NODE_RESOLV_CONF_PATH, content: renderNodeResolvConf(config), mode: 0o644 },
  ];
  if (inputs.companyCaPem) files.push({ path: COMPANY_CA_NODE_PATH, content: inputs.companyCaPem, mode: 0o644 });

  return {
    name: node.name,
    role: node.role,
    ip: node.ip,
    files,
    create: {
      name: node.name,
      Hostname: node.name,
      Image: config.k3s.image,
      Entrypoint: [NODE_ENTRYPOINT_PATH],
      Cmd: [node.role],
      Env: env,
      Labels: labLabels(config.name, { [LABEL_ROLE]: node.role, [LABEL_NODE]: node.name, [LABEL_PLAN_VERSION]: PLAN_VERSION }),
      ExposedPorts: exposedPorts,
      HostConfig: {
        // As k3d and kind: kubelet, containerd and flannel need the full set of devices and capabilities.
        Privileged: true,
        // docker-init reaps the zombies of everything k3s spawns and forwards signals.
        Init: true,
        Tmpfs: { '/run': '', '/var/run': '' },
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

/** The jumphost and the verifier: the same image and network setup; only the attendee works on the jumphost. */
function planToolbox(config: EnvConfig, role: 'jumphost' | 'verifier', name: string, ip: string, inputs: PlanInputs): PlannedContainer {
  const domain = config.k3s.clusterDomain;
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
        Dns: [config.k3s.clusterDns],
        DnsSearch: [`default.svc.${domain}`, `svc.${domain}`, domain],
      },
      NetworkingConfig: {
        EndpointsConfig: { [config.network.name]: { IPAMConfig: { IPv4Address: ip }, Aliases: [name] } },
      },
    },
  };
}
