import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import type { EnvNode, EnvPhase, EnvStatus } from '../../common/api/env.ts';
import { LabdeckError } from '../../common/errors.ts';
import { ensureImage, selectAirgapImages } from './bundle.ts';
import { ensureJumphostImage } from './jumphost-image.ts';
import type { FileClusterAccess } from './cluster-access.ts';
import { cidrsOverlap, nodeAirgapImages, serverNode, type EnvConfig } from './config.ts';
import { dockerHostDescription, dockerUnreachableAction } from './docker-client.ts';
import { execCollect, putFiles, putHostFiles } from './docker-exec.ts';
import { choosePort } from './host-ports.ts';
import { API_SERVER_PORT } from './k3s-config.ts';
import { GUIDE_NAMES, HOST_CONTEXT_NAMES, K3S_ADMIN_KUBECONFIG_PATH, parseK3sKubeconfig, renderKubeconfig, type AdminCredentials } from './kubeconfig.ts';
import { hostPortOf, listLabContainers, type LabContainerInfo } from './lab-containers.ts';
import { isLabdeckObject, labFilters, LABEL_PLAN_VERSION } from './labels.ts';
import { waitForNodeLog } from './node-logs.ts';
import { AIRGAP_IMAGES_DIR, PLAN_VERSION, planEnvironment, type EnvPlan, type PlanInputs, type PlannedContainer } from './plan.ts';
import { judgeCluster, type ApiSnapshot } from './readiness.ts';
import { jumphostRoutes } from './routes.ts';
import { installKubeconfig, installRoutes, trustCompanyCa } from './toolbox.ts';

export interface OperationContext {
  docker: Docker;
  config: EnvConfig;
  dataDir: string;
  signal: AbortSignal;
  clusterAccess: FileClusterAccess;
  allowPull: boolean;
  report(phase: EnvPhase, percent: number, message: string, extra?: { node?: string; log?: string }): void;
  timeouts?: Partial<{ serverLogMs: number; agentLogMs: number; clusterReadyMs: number }>;
}

const DEFAULT_TIMEOUTS = { serverLogMs: 180_000, agentLogMs: 180_000, clusterReadyMs: 300_000 };

function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new LabdeckError('cancelled', 'The operation was cancelled.', { action: 'Run `labdeck env up` to continue, or `labdeck env down` to remove what was created.' });
}

/** Fails with the doctor's advice when the engine does not answer. */
export async function requireDocker(docker: Docker): Promise<Docker.DockerVersion> {
  try {
    await docker.ping();
    return await docker.version();
  } catch (error) {
    throw new LabdeckError('docker-unavailable', `Docker does not answer at ${dockerHostDescription()}.`, { action: dockerUnreachableAction(), cause: error });
  }
}

/** Secrets, free ports and image facts the plan needs. */
export async function resolvePlanInputs(docker: Docker | null, config: EnvConfig): Promise<PlanInputs> {
  const hostIp = config.apiServer.hostIp === '0.0.0.0' ? '127.0.0.1' : config.apiServer.hostIp;
  // A remote engine publishes ports on its own machine: local port checks would say nothing about it.
  const remote = Boolean(process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith('unix://'));
  const taken = new Set<number>();
  const apiHostPort = remote ? config.apiServer.preferredHostPort : await choosePort(config.apiServer.preferredHostPort, hostIp, taken);
  taken.add(apiHostPort);
  const nodePortHostPorts: Record<number, number> = {};
  for (const nodePort of config.nodePorts) {
    const port = remote ? nodePort : await choosePort(nodePort, hostIp, taken);
    taken.add(port);
    nodePortHostPorts[nodePort] = port;
  }
  let imageVolumes: string[] | undefined;
  if (docker) {
    const info = await docker.getImage(config.k3s.image).inspect().catch(() => null);
    const volumes = info?.Config?.Volumes;
    if (volumes) imageVolumes = Object.keys(volumes).sort();
  }
  const companyCaPem = config.caCertFile ? await fs.readFile(config.caCertFile, 'utf8') : undefined;
  return {
    token: crypto.randomBytes(32).toString('hex'),
    apiHostPort,
    nodePortHostPorts,
    ...(imageVolumes ? { imageVolumes } : {}),
    ...(companyCaPem ? { companyCaPem } : {}),
  };
}

/** Refuses to start when the lab network would collide with something that is not Labdeck's. */
async function checkNetworkConflicts(docker: Docker, config: EnvConfig): Promise<Docker.NetworkInspectInfo | null> {
  const networks = await docker.listNetworks();
  let ours: Docker.NetworkInspectInfo | null = null;
  for (const network of networks) {
    const mine = isLabdeckObject(network.Labels, config.name);
    if (network.Name === config.network.name) {
      if (!mine) {
        throw new LabdeckError('conflict', `A Docker network named ${config.network.name} exists and does not belong to Labdeck.`, {
          action: `Remove or rename it (\`docker network rm ${config.network.name}\`) if it is not in use, or choose another network name for the lab.`,
        });
      }
      ours = network;
      continue;
    }
    for (const ipam of network.IPAM?.Config ?? []) {
      if (ipam.Subnet && !ipam.Subnet.includes(':') && cidrsOverlap(ipam.Subnet, config.network.subnet)) {
        throw new LabdeckError('conflict', `The Docker network ${network.Name} (${ipam.Subnet}) overlaps the lab subnet ${config.network.subnet}.`, {
          action: `Remove that network if unused (\`docker network rm ${network.Name}\`) or configure another lab subnet.`,
        });
      }
    }
  }
  return ours;
}

async function createOrReuseNetwork(docker: Docker, plan: EnvPlan, existing: Docker.NetworkInspectInfo | null): Promise<string> {
  if (existing) return existing.Id;
  const network = await docker.createNetwork(plan.network);
  return network.id;
}

async function createContainer(docker: Docker, planned: PlannedContainer): Promise<string> {
  const container = await docker.createContainer(planned.create);
  await putFiles(docker, container.id, planned.files);
  return container.id;
}

function containerStartedAtSeconds(info: Docker.ContainerInspectInfo): number {
  const started = Date.parse(info.State.StartedAt);
  return Number.isNaN(started) ? 0 : Math.floor(started / 1000);
}

/** Creates the whole environment; when it already exists, resumes it instead. */
export async function upEnvironment(ctx: OperationContext): Promise<void> {
  const { docker, config, report, signal } = ctx;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...ctx.timeouts };

  report('preflight', 0, `Checking Docker at ${dockerHostDescription()}`);
  const version = await requireDocker(docker);
  report('preflight', 50, `Docker engine ${version.Version} (API ${version.ApiVersion})`);
  const existing = await listLabContainers(docker, config.name);
  if (existing.length > 0) {
    const expected = config.nodes.length + 2;
    if (existing.length < expected) {
      throw new LabdeckError('conflict', `A partial lab environment exists (${existing.length} of ${expected} containers).`, {
        action: 'Run `labdeck env reset` to replace it with a fresh one.',
      });
    }
    report('preflight', 100, 'The environment exists: resuming it');
    await resumeEnvironment(ctx);
    return;
  }
  const existingNetwork = await checkNetworkConflicts(docker, config);
  report('preflight', 100, 'Docker is ready');
  checkCancelled(signal);

  report('images', 0, `Image ${config.k3s.image}`);
  const imageOptions = { ...(config.bundleDir ? { bundleDir: config.bundleDir } : {}), allowPull: ctx.allowPull, onLog: (log: string) => report('images', 10, 'Loading images', { log }) };
  await ensureImage(docker, config.k3s.image, imageOptions);
  report('images', 40, `Image ${config.jumphost.image}`);
  await ensureJumphostImage(docker, config.jumphost.image, {
    ...(config.bundleDir ? { bundleDir: config.bundleDir } : {}),
    // Building needs the Debian mirror, like a pull needs the registry.
    allowBuild: ctx.allowPull,
    build: { k3sImage: config.k3s.image },
    onLog: (log) => report('images', 50, 'Preparing the jumphost image', { log }),
  });
  report('images', 60, 'Collecting images for the nodes (air-gap folder)');
  const airgap = await selectAirgapImages(docker, nodeAirgapImages(config), {
    ...(config.bundleDir ? { bundleDir: config.bundleDir } : {}),
    cacheDir: path.join(ctx.dataDir, 'airgap-cache'),
    onLog: (log) => report('images', 70, 'Saving images for the nodes', { log }),
  });
  for (const missing of airgap.missing) {
    report('images', 90, `Not available offline: ${missing.image}`, {
      log: `${missing.image} is neither in the bundle nor on this engine; nodes will try to pull it (fails offline). Expected ${missing.expected}.`,
    });
  }
  report('images', 100, 'Images ready');
  checkCancelled(signal);

  const inputs = await resolvePlanInputs(docker, config);
  const plan = planEnvironment(config, inputs);

  report('network', 0, `Network ${config.network.name} ${config.network.subnet}`);
  await createOrReuseNetwork(docker, plan, existingNetwork);
  report('network', 100, `Network ${config.network.name} ready`);
  checkCancelled(signal);

  const ids = new Map<string, string>();
  for (const [index, node] of plan.nodes.entries()) {
    report('nodes', (index / plan.nodes.length) * 100, `Creating ${node.name}`, { node: node.name });
    const id = await createContainer(docker, node);
    await putHostFiles(docker, id, AIRGAP_IMAGES_DIR, airgap.files);
    ids.set(node.name, id);
    checkCancelled(signal);
  }
  report('nodes', 100, 'Node containers created');

  const [server, ...agents] = plan.nodes;
  if (!server) throw new Error('The plan has no server');
  await startAndAwaitNodes(ctx, plan.nodes, ids, timeouts);
  report('readiness', 0, 'Fetching the admin kubeconfig');
  const credentials = await readAdminCredentials(docker, ids.get(server.name) ?? '', signal);
  await writeHostKubeconfig(ctx, credentials, inputs.apiHostPort);
  const verdict = await awaitClusterReady(ctx, [server, ...agents].map((node) => node.name), timeouts.clusterReadyMs);

  report('jumphost', 0, 'Starting the jumphost and the verifier');
  for (const toolbox of [plan.jumphost, plan.verifier]) {
    const id = await createContainer(docker, toolbox);
    await docker.getContainer(id).start();
    if (toolbox.files.length > 0) await trustCompanyCa(docker, id);
  }
  await configureToolboxes(ctx, credentials, verdict.nodes);
  report('done', 100, 'The lab cluster is ready');
}

/** Starts the server, waits for its ready line, then starts the agents and waits for theirs. Server first. */
async function startAndAwaitNodes(
  ctx: OperationContext,
  nodes: readonly { name: string }[],
  ids: Map<string, string>,
  timeouts: typeof DEFAULT_TIMEOUTS,
): Promise<void> {
  const { docker, report, signal } = ctx;
  const [server, ...agents] = nodes;
  if (!server) return;
  const serverId = ids.get(server.name) ?? '';
  report('join', 0, `Starting k3s server on ${server.name}`, { node: server.name });
  await startIfStopped(docker, serverId);
  const serverInfo = await docker.getContainer(serverId).inspect();
  const serverVerdict = await waitForNodeLog(docker, serverId, 'server', {
    sinceSeconds: containerStartedAtSeconds(serverInfo),
    timeoutMs: timeouts.serverLogMs,
    signal,
    onLine: (log) => report('join', 20, `Starting k3s server on ${server.name}`, { node: server.name, log }),
  });
  if (!serverVerdict.ready) throw nodeFailure(server.name, serverVerdict.problem);
  report('join', 40, `${server.name} is up`, { node: server.name });

  await Promise.all(
    agents.map(async (agent) => {
      const id = ids.get(agent.name) ?? '';
      await startIfStopped(docker, id);
      const info = await docker.getContainer(id).inspect();
      const verdict = await waitForNodeLog(docker, id, 'agent', {
        sinceSeconds: containerStartedAtSeconds(info),
        timeoutMs: timeouts.agentLogMs,
        signal,
        onLine: (log) => report('join', 60, `Joining ${agent.name}`, { node: agent.name, log }),
      });
      if (!verdict.ready) throw nodeFailure(agent.name, verdict.problem);
      report('join', 80, `${agent.name} joined`, { node: agent.name });
    }),
  );
  report('join', 100, 'All nodes joined');
}

function nodeFailure(node: string, problem: { message: string; action: string } | null): LabdeckError {
  return new LabdeckError('environment-not-ready', problem ? `k3s failed on ${node}: ${problem.message}` : `The ${node} container stopped before k3s was ready.`, {
    action: problem?.action ?? 'Run `labdeck env diagnostics` and look at the node log; `labdeck env reset` starts over.',
  });
}

async function startIfStopped(docker: Docker, id: string): Promise<void> {
  const info = await docker.getContainer(id).inspect();
  if (info.State.Running) return;
  try {
    await docker.getContainer(id).start();
  } catch (error) {
    throw startFailure(info.Name.replace(/^\//, ''), info.HostConfig.Privileged === true, error);
  }
}

/** Turns an engine's refusal to start a container into what the attendee can do about it. */
export function startFailure(name: string, privileged: boolean, error: unknown): LabdeckError {
  const detail = error instanceof Error ? error.message : String(error);
  if (privileged && /unable to apply caps|operation not permitted|privileged/i.test(detail)) {
    return new LabdeckError('environment-not-ready', `The Docker engine refused to start ${name} as a privileged container (${detail.trim()}).`, {
      action: 'k3s nodes must run privileged. Use Docker Desktop or a regular (rootful) Docker engine; rootless Docker, restricted sandboxes and some CI runners cannot run them. A remote engine works too (DOCKER_HOST).',
      cause: error,
    });
  }
  if (/port is already allocated|address already in use/i.test(detail)) {
    return new LabdeckError('conflict', `A host port needed by ${name} is taken (${detail.trim()}).`, {
      action: 'Stop what uses the port, or run `labdeck env reset` so Labdeck picks free ports again.',
      cause: error,
    });
  }
  return new LabdeckError('environment-not-ready', `Docker could not start ${name}: ${detail.trim()}`, {
    action: 'Run `labdeck env diagnostics` and `labdeck env doctor`; `labdeck env reset` starts over.',
    cause: error,
  });
}

async function readAdminCredentials(docker: Docker, serverId: string, signal: AbortSignal): Promise<AdminCredentials> {
  // k3s writes the file while starting; a few tries cover a slow first start.
  for (let attempt = 0; ; attempt++) {
    checkCancelled(signal);
    const outcome = await execCollect(docker, serverId, ['cat', K3S_ADMIN_KUBECONFIG_PATH], { timeoutMs: 10_000 });
    if (outcome.exitCode === 0) return parseK3sKubeconfig(outcome.output);
    if (attempt >= 30) throw new LabdeckError('environment-not-ready', `k3s did not write ${K3S_ADMIN_KUBECONFIG_PATH}.`, { action: 'Run `labdeck env diagnostics`.' });
    await delay(1000);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The host-side kubeconfig (127.0.0.1:<published port>) the app and its host shell use. */
async function writeHostKubeconfig(ctx: OperationContext, credentials: AdminCredentials, apiHostPort: number): Promise<void> {
  await ctx.clusterAccess.update(renderKubeconfig(credentials, `https://${apiHost(ctx.config)}:${apiHostPort}`, HOST_CONTEXT_NAMES));
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
  return {
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

async function awaitClusterReady(ctx: OperationContext, nodeNames: string[], timeoutMs: number) {
  const kubeConfig = await ctx.clusterAccess.kubeConfig();
  if (!kubeConfig) throw new Error('No host kubeconfig');
  const deadline = Date.now() + timeoutMs;
  let lastWaiting = '';
  for (;;) {
    checkCancelled(ctx.signal);
    const snapshot = await readApiSnapshot(kubeConfig).catch(() => ({ nodes: [], coredns: null }) satisfies ApiSnapshot);
    const verdict = judgeCluster(nodeNames, snapshot);
    if (verdict.ready) {
      ctx.report('readiness', 100, 'All nodes Ready, CoreDNS rolled out, pod ranges assigned');
      return verdict;
    }
    const waiting = verdict.waitingFor.join('; ');
    if (waiting !== lastWaiting) {
      const done = nodeNames.length * 2 + 1 - verdict.waitingFor.length;
      ctx.report('readiness', Math.max(0, Math.min(95, (done / (nodeNames.length * 2 + 1)) * 100)), `Waiting for ${verdict.waitingFor[0] ?? 'the cluster'}`, { log: waiting });
      lastWaiting = waiting;
    }
    if (Date.now() > deadline) {
      throw new LabdeckError('environment-not-ready', `The cluster is not ready after ${Math.round(timeoutMs / 1000)} s: waiting for ${waiting}.`, {
        action: 'Run `labdeck env up` again to keep waiting, or `labdeck env diagnostics` to see why.',
      });
    }
    await delay(2000);
  }
}

/** Kubeconfig (guide names, server 10.1.1.10) and routes for the jumphost and the verifier. */
async function configureToolboxes(
  ctx: OperationContext,
  credentials: AdminCredentials,
  nodes: { name: string; ip: string | null; podCIDR: string | null }[],
): Promise<void> {
  const { docker, config, report } = ctx;
  const server = serverNode(config);
  const kubeconfig = renderKubeconfig(credentials, `https://${server.ip}:${API_SERVER_PORT}`, GUIDE_NAMES);
  const routes = jumphostRoutes(
    nodes.map((node) => ({ ...node, ip: node.ip ?? config.nodes.find((candidate) => candidate.name === node.name)?.ip ?? null })),
    config.k3s.serviceCidr,
    server.ip,
  );
  for (const role of ['jumphost', 'verifier'] as const) {
    const [container] = await listLabContainers(docker, config.name, role);
    if (!container) continue;
    await startIfStopped(docker, container.id);
    await installKubeconfig(docker, container.id, kubeconfig);
    const missing = await installRoutes(docker, container.id, routes);
    if (missing.length > 0) {
      throw new LabdeckError('environment-not-ready', `Routes missing on ${container.name}: ${missing.map((route) => `${route.destination} via ${route.via}`).join(', ')}.`, {
        action: 'Run `labdeck env up` again; if it persists, run `labdeck env diagnostics`.',
      });
    }
    report('jumphost', role === 'jumphost' ? 50 : 90, `${container.name}: kubeconfig and ${routes.length} routes in place`, {
      node: container.name,
      log: routes.map((route) => `${route.destination} via ${route.via}`).join(', '),
    });
  }
}

/** Finds the environment by its labels, starts what is stopped and restores kubeconfigs and routes. */
export async function resumeEnvironment(ctx: OperationContext): Promise<boolean> {
  const { docker, config, report } = ctx;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...ctx.timeouts };
  await requireDocker(docker);
  const containers = await listLabContainers(docker, config.name);
  const nodes = containers.filter((container) => container.role === 'server' || container.role === 'agent');
  const server = nodes.find((container) => container.role === 'server');
  if (!server) return false;
  if (server.labels[LABEL_PLAN_VERSION] !== PLAN_VERSION) {
    throw new LabdeckError('conflict', 'The lab environment was created by another Labdeck version and cannot be reattached.', {
      action: 'Run `labdeck env reset` to replace it (your lab progress is kept; the cluster content is not).',
    });
  }
  report('preflight', 100, `Found ${containers.length} lab containers`);

  const ids = new Map(nodes.map((container) => [container.node ?? container.name, container.id]));
  const plannedNodes = [server, ...nodes.filter((node) => node.role === 'agent')].map((node) => ({ name: node.node ?? node.name }));
  const allRunning = nodes.every((node) => node.state === 'running');
  if (!allRunning) {
    await startAndAwaitNodes(ctx, plannedNodes, ids, timeouts);
  }
  const credentials = await readAdminCredentials(docker, server.id, ctx.signal);
  const serverInfo = await docker.getContainer(server.id).inspect();
  const apiHostPort = hostPortOf(serverInfo, API_SERVER_PORT);
  if (!apiHostPort) throw new LabdeckError('environment-not-ready', 'The server container publishes no API port.', { action: 'Run `labdeck env reset`.' });
  await writeHostKubeconfig(ctx, credentials, apiHostPort);
  const verdict = await awaitClusterReady(ctx, plannedNodes.map((node) => node.name), timeouts.clusterReadyMs);
  await configureToolboxes(ctx, credentials, verdict.nodes);
  report('done', 100, 'Reattached to the lab cluster');
  return true;
}

export interface DownResult {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** Removes every container, network and volume carrying this environment's labels, and nothing else. */
export async function downEnvironment(ctx: Pick<OperationContext, 'docker' | 'config' | 'report' | 'clusterAccess'>): Promise<DownResult> {
  const { docker, config, report } = ctx;
  await requireDocker(docker);
  const result: DownResult = { containers: [], networks: [], volumes: [] };
  const containers = await listLabContainers(docker, config.name);
  for (const [index, container] of containers.entries()) {
    report('cleanup', (index / Math.max(1, containers.length)) * 60, `Removing ${container.name}`, { node: container.name });
    const info = await docker.getContainer(container.id).inspect();
    // Listing filtered by label already; checking again costs nothing and guards against filter mistakes.
    if (!isLabdeckObject(info.Config.Labels, config.name)) continue;
    await docker.getContainer(container.id).remove({ force: true, v: true });
    result.containers.push(container.name);
  }
  report('cleanup', 70, 'Removing the network');
  for (const network of await docker.listNetworks({ filters: labFilters(config.name) })) {
    if (!isLabdeckObject(network.Labels, config.name)) continue;
    await docker.getNetwork(network.Id).remove();
    result.networks.push(network.Name);
  }
  report('cleanup', 85, 'Removing volumes');
  const volumes = await docker.listVolumes({ filters: labFilters(config.name) });
  for (const volume of volumes.Volumes ?? []) {
    if (!isLabdeckObject(volume.Labels, config.name)) continue;
    await docker.getVolume(volume.Name).remove();
    result.volumes.push(volume.Name);
  }
  await ctx.clusterAccess.update(null);
  report('done', 100, `Removed ${result.containers.length} containers, ${result.networks.length} networks, ${result.volumes.length} volumes`);
  return result;
}

/** What exists right now, from Docker (always) and the API (when reachable within a few seconds). */
export async function readEnvironmentStatus(docker: Docker, config: EnvConfig, clusterAccess: FileClusterAccess): Promise<EnvStatus> {
  const dockerHost = dockerHostDescription();
  try {
    await docker.ping();
  } catch {
    return { state: 'error', nodes: [], dockerHost, message: `Docker does not answer at ${dockerHost}.`, action: dockerUnreachableAction() };
  }
  const containers = await listLabContainers(docker, config.name);
  if (containers.length === 0) return { state: 'absent', nodes: [], dockerHost };
  const infos = new Map<string, Docker.ContainerInspectInfo>();
  for (const container of containers) infos.set(container.id, await docker.getContainer(container.id).inspect());

  let api: ApiSnapshot | null = null;
  const kubeConfig = await clusterAccess.kubeConfig().catch(() => null);
  if (kubeConfig && containers.some((container) => container.role === 'server' && container.state === 'running')) {
    api = await Promise.race([readApiSnapshot(kubeConfig).catch(() => null), delay(3000).then(() => null)]);
  }
  const nodes: EnvNode[] = containers
    .filter((container) => container.role !== 'verifier')
    .map((container) => nodeStatus(container, infos.get(container.id), config, api));
  const nodeContainers = containers.filter((container) => container.role === 'server' || container.role === 'agent');
  const running = containers.filter((container) => container.state === 'running').length;
  const complete = containers.length >= config.nodes.length + 2;
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

/**
 * Restores the jumphost's and verifier's kubeconfig and routes from the live cluster. Docker drops the
 * routes whenever one of them restarts, so this runs after every start of either.
 */
export async function reconfigureToolboxes(ctx: OperationContext): Promise<void> {
  const { docker, config } = ctx;
  const [server] = await listLabContainers(docker, config.name, 'server');
  if (!server || server.state !== 'running') return;
  const credentials = await readAdminCredentials(docker, server.id, ctx.signal);
  const kubeConfig = await ctx.clusterAccess.kubeConfig();
  if (!kubeConfig) return;
  const verdict = judgeCluster(config.nodes.map((node) => node.name), await readApiSnapshot(kubeConfig));
  await configureToolboxes(ctx, credentials, verdict.nodes);
}
