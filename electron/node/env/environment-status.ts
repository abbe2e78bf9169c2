import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import type { EnvNode, EnvStatus } from '../../common/api/env.ts';
import type { FileClusterAccess } from './cluster-access.ts';
import type { EnvConfig } from './config.ts';
import { dockerHostDescription, dockerUnreachableAction } from './docker-client.ts';
import { API_SERVER_PORT } from './kubeadm-config.ts';
import { hostPortOf, listLabContainers, type LabContainerInfo } from './lab-containers.ts';
import { LABEL_ROLE } from './labels.ts';
import type { ApiSnapshot } from './readiness.ts';

const roleOrder: Record<EnvNode['role'], number> = { server: 0, agent: 1, jumphost: 2 };

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/**
 * Host name for the API from this machine. Local engine: the bind address. Remote engine (DOCKER_HOST tcp://
 * or ssh://) bound to 0.0.0.0: that machine's name; bound to 127.0.0.1 it is only reachable through an SSH
 * tunnel, so 127.0.0.1 stays right.
 */
export function apiHost(config: EnvConfig, env: NodeJS.ProcessEnv = process.env): string {
  const bind = config.apiServer.hostIp;
  const dockerHost = env.DOCKER_HOST;
  if (bind === '0.0.0.0' && dockerHost && /^(tcp|ssh):\/\//.test(dockerHost)) {
    try {
      return new URL(dockerHost.replace(/^tcp:/, 'http:')).hostname;
    } catch {
      return '127.0.0.1';
    }
  }
  return bind === '0.0.0.0' ? '127.0.0.1' : bind;
}

export async function readApiSnapshot(kubeConfig: KubeConfig): Promise<ApiSnapshot> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const nodes = await core.listNode();
  const coredns = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' }).catch(() => null);
  const daemonSets: NonNullable<ApiSnapshot['daemonSets']> = {};
  for (const name of ['kube-proxy', 'kube-flannel-ds']) {
    const set = await apps.readNamespacedDaemonSet({ name, namespace: 'kube-system' }).catch(() => null);
    daemonSets[name] = set
      ? {
          desired: set.status?.desiredNumberScheduled ?? 0,
          available: set.status?.numberAvailable ?? 0,
          observed: (set.status?.observedGeneration ?? 0) >= (set.metadata?.generation ?? 0),
        }
      : null;
  }
  return {
    daemonSets,
    nodes: nodes.items.map((node) => ({
      metadata: { name: node.metadata?.name ?? '' },
      spec: { ...(node.spec?.podCIDR ? { podCIDR: node.spec.podCIDR } : {}) },
      status: {
        conditions: (node.status?.conditions ?? []).map((condition) => ({ type: condition.type, status: condition.status })),
        addresses: (node.status?.addresses ?? []).map((address) => ({ type: address.type, address: address.address })),
      },
    })),
    coredns: coredns
      ? {
          spec: { ...(coredns.spec?.replicas !== undefined ? { replicas: coredns.spec.replicas } : {}) },
          status: {
            updatedReplicas: coredns.status?.updatedReplicas ?? 0,
            availableReplicas: coredns.status?.availableReplicas ?? 0,
            readyReplicas: coredns.status?.readyReplicas ?? 0,
            observedGeneration: coredns.status?.observedGeneration ?? 0,
          },
          metadata: { generation: coredns.metadata?.generation ?? 0 },
        }
      : null,
  };
}

/** What exists right now, from Docker (always) and the API (when reachable within a few seconds). */
export async function readEnvironmentStatus(docker: Docker, config: EnvConfig, clusterAccess: FileClusterAccess): Promise<EnvStatus> {
  const dockerHost = dockerHostDescription();
  try {
    await docker.ping();
  } catch {
    return { state: 'error', nodes: [], dockerHost, message: `Docker does not answer at ${dockerHost}.`, action: dockerUnreachableAction() };
  }
  const containers = (await listLabContainers(docker, config.name)).filter((container) => container.labels[LABEL_ROLE] !== 'probe');
  if (containers.length === 0) return { state: 'absent', nodes: [], dockerHost };
  const infos = new Map<string, Docker.ContainerInspectInfo>();
  for (const container of containers) infos.set(container.id, await docker.getContainer(container.id).inspect());

  let api: ApiSnapshot | null = null;
  const kubeConfig = await clusterAccess.kubeConfig().catch(() => null);
  if (kubeConfig && containers.some((container) => container.role === 'server' && container.state === 'running')) {
    api = await Promise.race([readApiSnapshot(kubeConfig).catch(() => null), delay(3000).then(() => null)]);
  }
  const nodes: EnvNode[] = containers
    .filter((container) => container.role !== 'verifier' && container.role !== 'registry')
    .map((container) => nodeStatus(container, infos.get(container.id), config, api))
    // As `kubectl get nodes` lists them: the control plane, the workers by name, then the jumphost.
    .sort((a, b) => roleOrder[a.role] - roleOrder[b.role] || a.name.localeCompare(b.name));
  const nodeContainers = containers.filter((container) => container.role === 'server' || container.role === 'agent');
  const running = containers.filter((container) => container.state === 'running').length;
  const complete = containers.length >= config.nodes.length + 3;
  let state: EnvStatus['state'];
  if (running === 0) state = 'stopped';
  else if (running === containers.length && complete && (!api || nodes.filter((node) => node.role !== 'jumphost').every((node) => node.ready))) state = 'running';
  else state = 'degraded';

  const server = containers.find((container) => container.role === 'server');
  const serverInfo = server ? infos.get(server.id) : undefined;
  const apiPort = serverInfo ? hostPortOf(serverInfo, API_SERVER_PORT) : null;
  const requested = config.nodePorts[0];
  const published = serverInfo && requested !== undefined ? hostPortOf(serverInfo, requested) : null;
  return {
    state,
    nodes,
    ...(apiPort ? { apiServer: { host: apiHost(config), port: apiPort } } : {}),
    ...(requested !== undefined && published ? { nodePort: { requested, published } } : {}),
    dockerHost,
    ...(state === 'degraded'
      ? { message: `${running} of ${containers.length} lab containers running${nodeContainers.length < config.nodes.length ? ', some nodes are missing' : ''}.`, action: 'Run `labdeck env up` to start what is stopped, or `labdeck env reset` for a fresh cluster.' }
      : {}),
    ...(state === 'stopped' ? { message: 'The lab containers are stopped.', action: 'Run `labdeck env up` to start them again.' } : {}),
  };
}

function nodeStatus(container: LabContainerInfo, info: Docker.ContainerInspectInfo | undefined, config: EnvConfig, api: ApiSnapshot | null): EnvNode {
  const name = container.node ?? container.name;
  const networks = info?.NetworkSettings?.Networks ?? {};
  const ip = networks[config.network.name]?.IPAddress || Object.values(networks).find((network) => network.IPAddress)?.IPAddress || undefined;
  const apiNode = api?.nodes.find((node) => node.metadata.name === name);
  const ready =
    container.role === 'jumphost'
      ? container.state === 'running'
      : (apiNode?.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false);
  return {
    name,
    role: container.role === 'server' ? 'server' : container.role === 'agent' ? 'agent' : 'jumphost',
    containerState: container.state,
    ...(ip ? { ip } : {}),
    ...(apiNode?.spec?.podCIDR ? { podCIDR: apiNode.spec.podCIDR } : {}),
    ready,
  };
}
