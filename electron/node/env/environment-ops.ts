import fs from 'node:fs/promises';
import type Docker from 'dockerode';
import type { EnvPhase } from '../../common/api/env.ts';
import { LabdeckError } from '../../common/errors.ts';
import { ensureImage } from './bundle.ts';
import type { FileClusterAccess } from './cluster-access.ts';
import { cidrsOverlap, mirrorImages, serverNode, type EnvConfig } from './config.ts';
import { dockerHostDescription, dockerUnreachableAction } from './docker-client.ts';
import { apiHost, readApiSnapshot } from './environment-status.ts';
import { anyFreePort, choosePort } from './host-ports.ts';
import { ensureJumphostImage } from './jumphost-image.ts';
import { ensureLabdeckImage } from './node-image.ts';
import { applyFlannel, awaitApiServer, awaitContainerd, awaitPodRoutes, initControlPlane, joinWorker, readAdminKubeconfig, readJoinSecrets, type BootstrapContext } from './kubeadm-bootstrap.ts';
import { API_SERVER_PORT, newBootstrapToken, REGISTRY_PORT } from './kubeadm-config.ts';
import { HOST_CONTEXT_NAMES, parseAdminKubeconfig, renderKubeconfig } from './kubeconfig.ts';
import { hostPortOf, listLabContainers, type LabContainerInfo } from './lab-containers.ts';
import { isLabdeckObject, LABEL_PLAN_VERSION, LABEL_PRIVILEGE, LABEL_ROLE } from './labels.ts';
import { PLAN_VERSION, planEnvironment, type EnvPlan, type PlanInputs } from './plan.ts';
import { probePrivilege, type PrivilegeMode } from './privilege.ts';
import { judgeCluster, type ApiSnapshot } from './readiness.ts';
import { pushToMirror } from './registry-mirror.ts';
import { SYSTEM_IMAGES } from './versions.ts';
import { jumphostRoutes } from './routes.ts';
import { installKubeconfig, installRoutes, trustCompanyCa } from './toolbox.ts';
import { replaceOutdatedToolbox, restoreHome } from './toolbox-upgrade.ts';
import { createIfMissing, startIfStopped } from './container-start.ts';
import { removeOrphanNodeVolumes } from './orphan-volumes.ts';

export { apiHost, readApiSnapshot, readEnvironmentStatus } from './environment-status.ts';
export { downEnvironment, startFailure, type DownResult } from './environment-teardown.ts';

export interface OperationContext {
  docker: Docker;
  config: EnvConfig;
  dataDir: string;
  signal: AbortSignal;
  clusterAccess: FileClusterAccess;
  allowPull: boolean;
  report(phase: EnvPhase, percent: number, message: string, extra?: { node?: string; log?: string }): void;
  timeouts?: Partial<{ clusterReadyMs: number }>;
}

const DEFAULT_TIMEOUTS = { clusterReadyMs: 300_000 };

function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new LabdeckError('cancelled', 'The operation was cancelled.', { action: 'Run `labdeck env up` to continue, or `labdeck env down` to remove what was created.' });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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

/**
 * Secrets, free ports and the privilege mode the plan needs. Ports and privilege an existing environment
 * already has are kept, so containers created later (a resume after one was removed) match the others.
 */
export async function resolvePlanInputs(docker: Docker | null, config: EnvConfig, existing: readonly LabContainerInfo[] = []): Promise<PlanInputs> {
  const hostIp = config.apiServer.hostIp === '0.0.0.0' ? '127.0.0.1' : config.apiServer.hostIp;
  // A remote engine publishes ports on its own machine: local port checks would say nothing about it.
  const remote = remoteEngine();
  const publishedPort = async (role: LabContainerInfo['role'], port: number) => {
    const container = existing.find((candidate) => candidate.role === role);
    if (!container || !docker) return null;
    return hostPortOf(await docker.getContainer(container.id).inspect(), port);
  };
  const taken = new Set<number>();
  const apiHostPort = (await publishedPort('server', API_SERVER_PORT)) ?? (remote ? config.apiServer.preferredHostPort : await choosePort(config.apiServer.preferredHostPort, hostIp, taken));
  taken.add(apiHostPort);
  const nodePortHostPorts: Record<number, number> = {};
  for (const nodePort of config.nodePorts) {
    const port = (await publishedPort('server', nodePort)) ?? (remote ? nodePort : await choosePort(nodePort, hostIp, taken));
    taken.add(port);
    nodePortHostPorts[nodePort] = port;
  }
  const registryHostPort = (await publishedPort('registry', REGISTRY_PORT)) ?? (await anyFreePort('127.0.0.1'));
  const companyCaPem = config.caCertFile ? await fs.readFile(config.caCertFile, 'utf8') : undefined;
  const labelled = existing.find((container) => container.labels[LABEL_PRIVILEGE])?.labels[LABEL_PRIVILEGE];
  const privilege: PrivilegeMode = labelled === 'almost' || labelled === 'privileged' ? labelled : 'privileged';
  return {
    token: '',
    privilege,
    apiHostPort,
    registryHostPort,
    nodePortHostPorts,
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

/** The image phase: node, jumphost and registry images must be there; the mirror's images where possible. */
async function prepareImages(ctx: OperationContext): Promise<void> {
  const { docker, config, report } = ctx;
  const options = { ...(config.bundleDir ? { bundleDir: config.bundleDir } : {}), allowPull: ctx.allowPull, onLog: (log: string) => report('images', 10, 'Loading images', { log }) };
  report('images', 0, `Image ${config.kubernetes.nodeImage}`);
  const own = { ...(config.bundleDir ? { bundleDir: config.bundleDir } : {}), allowBuild: ctx.allowPull, onLog: (log: string) => report('images', 20, 'Preparing the node image', { log }) };
  await ensureLabdeckImage(docker, config.kubernetes.nodeImage, 'Dockerfile', own);
  await ensureLabdeckImage(docker, config.registry.image, 'registry.Dockerfile', own);
  report('images', 30, `Image ${config.jumphost.image}`);
  await ensureJumphostImage(docker, config.jumphost.image, {
    ...(config.bundleDir ? { bundleDir: config.bundleDir } : {}),
    // Building needs the Debian mirror, like a pull needs the registry.
    allowBuild: ctx.allowPull,
    build: { nodeImage: config.kubernetes.nodeImage },
    onLog: (log) => report('images', 40, 'Preparing the jumphost image', { log }),
  });
  const images = mirrorImages(config);
  for (const [index, image] of images.entries()) {
    report('images', 50 + (index / images.length) * 50, `Image ${image}`);
    // Not fatal: online, the nodes fetch what the mirror lacks from upstream themselves.
    await ensureImage(docker, image, options).catch((error: unknown) =>
      report('images', 50, `Not available offline: ${image}`, { log: error instanceof Error ? error.message : String(error) }),
    );
  }
  report('images', 100, 'Images ready');
}

/** A remote engine (DOCKER_HOST tcp:// or ssh://) publishes ports on its own machine, not on this one. */
function remoteEngine(): boolean {
  return Boolean(process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith('unix://') && !process.env.DOCKER_HOST.startsWith('npipe://'));
}

/**
 * Waits until the mirror answers on its published port, so the engine's pushes do not race its start. A
 * remote engine's port is not reachable from here: its first push retries instead (registry-mirror.ts).
 */
async function awaitRegistry(port: number, signal: AbortSignal): Promise<void> {
  if (remoteEngine()) return;
  for (let attempt = 0; attempt < 100; attempt++) {
    checkCancelled(signal);
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((response) => response.ok, () => false);
    if (ok) return;
    await delay(100);
  }
  throw new LabdeckError('environment-not-ready', `The registry mirror does not answer on 127.0.0.1:${port}.`, { action: 'Run `labdeck env diagnostics`; `labdeck env reset` starts over.' });
}

/**
 * Creates the environment, or completes and resumes whatever part of it exists: every step looks at what is
 * there first (containers by label, kubeadm's files in the nodes), so an `up` interrupted anywhere, a
 * stopped engine or a removed container is carried on from where it stopped.
 */
export async function upEnvironment(ctx: OperationContext): Promise<void> {
  try {
    await bringUp(ctx);
  } catch (error) {
    if (error instanceof LabdeckError) throw error;
    // The engine's own refusals mid-way (a node stopped under an exec, a container removed by hand).
    throw new LabdeckError('environment-not-ready', `Bringing up the environment was interrupted: ${error instanceof Error ? error.message : String(error)}`, {
      action: 'Run `labdeck env up` to carry on from where it stopped, or `labdeck env reset` for a fresh cluster.',
      cause: error,
    });
  }
}

async function bringUp(ctx: OperationContext): Promise<void> {
  const { docker, config, report, signal } = ctx;
  report('preflight', 0, `Checking Docker at ${dockerHostDescription()}`);
  const version = await requireDocker(docker);
  report('preflight', 50, `Docker engine ${version.Version} (API ${version.ApiVersion})`);
  // A privilege probe left behind by a killed process is not part of the environment.
  const existing = (await listLabContainers(docker, config.name)).filter((container) => container.labels[LABEL_ROLE] !== 'probe');
  const foreignPlan = existing.find((container) => container.labels[LABEL_PLAN_VERSION] !== PLAN_VERSION);
  if (foreignPlan) {
    throw new LabdeckError('conflict', 'The lab environment was created by another Labdeck version and cannot be reattached.', {
      action: 'Run `labdeck env reset` to replace it (your lab progress is kept; the cluster content is not).',
    });
  }
  const existingNodes = existing.filter((container) => container.role === 'server' || container.role === 'agent');
  if (existingNodes.length > 0 && !existingNodes.some((container) => container.role === 'server')) {
    throw new LabdeckError('conflict', 'The control-plane node master1 is gone while workers remain: the cluster cannot be resumed.', { action: 'Run `labdeck env reset` for a fresh cluster.' });
  }
  const existingNetwork = await checkNetworkConflicts(docker, config);
  report('preflight', 100, existing.length > 0 ? `Found ${existing.length} lab containers: resuming` : 'Docker is ready');
  checkCancelled(signal);

  await prepareImages(ctx);
  checkCancelled(signal);

  const inputs = await resolvePlanInputs(docker, config, existing);
  if (existingNodes.length === 0) {
    const probe = await probePrivilege(docker, config.kubernetes.nodeImage, config.name);
    inputs.privilege = probe.mode;
    report('nodes', 0, probe.mode === 'privileged' ? 'Nodes run privileged' : 'Nodes run almost privileged', { log: probe.reason });
  }
  inputs.token = newBootstrapToken();
  const plan = planEnvironment(config, inputs);

  report('network', 0, `Network ${config.network.name} ${config.network.subnet}`);
  if (!existingNetwork) await docker.createNetwork(plan.network);
  report('network', 100, `Network ${config.network.name} ready`);

  report('images', 0, 'Filling the registry mirror');
  const registryId = await createIfMissing(docker, plan.registry, existing);
  await startIfStopped(docker, registryId);
  await awaitRegistry(inputs.registryHostPort, signal);
  const mirrorLog = (log: string) => report('images', 80, 'Filling the registry mirror', { log });
  const system = await pushToMirror(docker, SYSTEM_IMAGES, inputs.registryHostPort, mirrorLog);
  // The course's own images are pulled only once attendees start pods: they go in while the cluster forms.
  const courseImages = mirrorImages(config).filter((image) => !(SYSTEM_IMAGES as readonly string[]).includes(image));
  const coursePush = pushToMirror(docker, courseImages, inputs.registryHostPort, mirrorLog).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  checkCancelled(signal);

  await removeOrphanNodeVolumes(docker, config.name, existing, (log) => report('nodes', 10, 'Removing the volumes of removed nodes', { log }));
  const ids = new Map<string, string>();
  for (const node of plan.nodes) {
    report('nodes', 20, `Creating ${node.name}`, { node: node.name });
    ids.set(node.name, await createIfMissing(docker, node, existing));
  }
  await Promise.all(plan.nodes.map(async (node) => {
    const id = ids.get(node.name) ?? '';
    await startIfStopped(docker, id);
    await awaitContainerd(docker, id, node.name);
    report('nodes', 90, `${node.name}: containerd is up`, { node: node.name });
  }));
  report('nodes', 100, 'Node containers running');
  checkCancelled(signal);

  await bootstrapCluster(ctx, plan, ids);
  const course = await coursePush;
  if ('error' in course) throw course.error;
  const missing = [...system.missing, ...course.result.missing];
  report('images', 100, `Registry mirror holds ${system.pushed.length + course.result.pushed.length} images${missing.length ? `; nodes fetch ${missing.join(', ')} from upstream` : ''}`);
  await startToolboxes(ctx, plan, existing);
  report('done', 100, existing.length > 0 ? 'Reattached to the lab cluster' : 'The lab cluster is ready');
}

/** kubeadm init, kubeadm join, flannel (each skipped where done), then the API's word that all is ready. */
async function bootstrapCluster(ctx: OperationContext, plan: EnvPlan, ids: Map<string, string>): Promise<void> {
  const { docker, report } = ctx;
  const [server, ...workers] = plan.nodes;
  if (!server) throw new Error('The plan has no control-plane node');
  const serverId = ids.get(server.name) ?? '';
  const bootstrap: BootstrapContext = { docker, config: ctx.config, signal: ctx.signal, onLog: (node, log) => report('join', 30, `kubeadm on ${node}`, { node, log }) };
  report('join', 0, `kubeadm init on ${server.name}`, { node: server.name });
  await initControlPlane(bootstrap, serverId);
  await awaitApiServer(bootstrap, serverId);
  const adminConf = await readAdminKubeconfig(docker, serverId);
  await writeHostKubeconfig(ctx, adminConf, plan.apiServer.hostPort);
  const secrets = await readJoinSecrets(docker, serverId);
  await Promise.all(workers.map(async (worker) => {
    report('join', 50, `kubeadm join on ${worker.name}`, { node: worker.name });
    await joinWorker(bootstrap, ids.get(worker.name) ?? '', worker.name, secrets);
    report('join', 80, `${worker.name} joined`, { node: worker.name });
  }));
  // After the joins: every node has its pod subnet by the time flannel starts on it (a flannel pod that
  // starts first exits, and its restart back-off delays the whole cluster by seconds).
  report('join', 90, 'Installing flannel (kube-flannel-ds)');
  await applyFlannel(bootstrap, serverId);
  report('join', 100, 'All nodes joined');
  const verdict = await awaitClusterReady(ctx, plan.nodes.map((node) => node.name));
  await awaitPodRoutes(bootstrap, verdict.nodes.map((node) => ({ ...node, id: ids.get(node.name) ?? '' })));
  report('readiness', 100, 'All nodes Ready; CoreDNS, kube-proxy and flannel running; pod routes in place');
}

/** The host-side kubeconfig (127.0.0.1:<published port>) the app and its host shell use. */
async function writeHostKubeconfig(ctx: OperationContext, adminConf: string, apiHostPort: number): Promise<void> {
  await ctx.clusterAccess.update(renderKubeconfig(parseAdminKubeconfig(adminConf), `https://${apiHost(ctx.config)}:${apiHostPort}`, HOST_CONTEXT_NAMES));
}

async function awaitClusterReady(ctx: OperationContext, nodeNames: string[]) {
  const timeoutMs = { ...DEFAULT_TIMEOUTS, ...ctx.timeouts }.clusterReadyMs;
  const kubeConfig = await ctx.clusterAccess.kubeConfig();
  if (!kubeConfig) throw new Error('No host kubeconfig');
  const deadline = Date.now() + timeoutMs;
  let lastWaiting = '';
  for (;;) {
    checkCancelled(ctx.signal);
    const snapshot = await readApiSnapshot(kubeConfig).catch(() => ({ nodes: [], coredns: null }) satisfies ApiSnapshot);
    const verdict = judgeCluster(nodeNames, snapshot);
    if (verdict.ready) {
      return verdict;
    }
    const waiting = verdict.waitingFor.join('; ');
    if (waiting !== lastWaiting) {
      ctx.report('readiness', 50, `Waiting for ${verdict.waitingFor[0] ?? 'the cluster'}`, { log: waiting });
      lastWaiting = waiting;
    }
    if (Date.now() > deadline) {
      throw new LabdeckError('environment-not-ready', `The cluster is not ready after ${Math.round(timeoutMs / 1000)} s: waiting for ${waiting}.`, {
        action: 'Run `labdeck env up` again to keep waiting, or `labdeck env diagnostics` to see why.',
      });
    }
    await delay(1000);
  }
}

/** The jumphost and the verifier: created where missing, started, given admin.conf and their routes. */
async function startToolboxes(ctx: OperationContext, plan: EnvPlan, existing: readonly LabContainerInfo[]): Promise<void> {
  ctx.report('jumphost', 0, 'Starting the jumphost and the verifier');
  for (const toolbox of [plan.jumphost, plan.verifier]) {
    const current = await replaceOutdatedToolbox(ctx.docker, toolbox, existing, (log) => ctx.report('jumphost', 0, `Replacing ${toolbox.name}`, { log }));
    const fresh = !current.existing.some((container) => container.name === toolbox.name);
    const id = await createIfMissing(ctx.docker, toolbox, current.existing);
    await startIfStopped(ctx.docker, id);
    if (current.home) await restoreHome(ctx.docker, id, current.home);
    if (fresh && toolbox.files.length > 0) await trustCompanyCa(ctx.docker, id);
  }
  await reconfigureToolboxes(ctx);
}

/** Finds the environment by its labels and carries it on (upEnvironment); false when there is none. */
export async function resumeEnvironment(ctx: OperationContext): Promise<boolean> {
  await requireDocker(ctx.docker);
  const [server] = await listLabContainers(ctx.docker, ctx.config.name, 'server');
  if (!server) return false;
  await upEnvironment(ctx);
  return true;
}

/**
 * Restores the jumphost's and verifier's kubeconfig (kubeadm's admin.conf, as the guide prints it) and
 * routes from the live cluster. Docker drops the routes whenever one of them restarts, so this runs after
 * every start of either.
 */
export async function reconfigureToolboxes(ctx: OperationContext): Promise<void> {
  const { docker, config, report } = ctx;
  const [server] = await listLabContainers(docker, config.name, 'server');
  if (!server || server.state !== 'running') return;
  const adminConf = await readAdminKubeconfig(docker, server.id);
  const kubeConfig = await ctx.clusterAccess.kubeConfig();
  if (!kubeConfig) return;
  const verdict = judgeCluster(config.nodes.map((node) => node.name), await readApiSnapshot(kubeConfig));
  const controlPlane = serverNode(config);
  const routes = jumphostRoutes(
    verdict.nodes.map((node) => ({ ...node, ip: node.ip ?? config.nodes.find((candidate) => candidate.name === node.name)?.ip ?? null })),
    config.kubernetes.serviceSubnet,
    controlPlane.ip,
  );
  for (const role of ['jumphost', 'verifier'] as const) {
    const [container] = await listLabContainers(docker, config.name, role);
    if (!container) continue;
    await startIfStopped(docker, container.id);
    await installKubeconfig(docker, container.id, adminConf);
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
