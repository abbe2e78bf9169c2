import type Docker from 'dockerode';
import { parseAllDocuments } from 'yaml';
import { LabdeckError } from '../../common/errors.ts';
import { serverNode, type EnvConfig } from './config.ts';
import { execCollect, putFiles } from './docker-exec.ts';
import {
  ADMIN_KUBECONFIG_PATH,
  CA_CERT_PATH,
  caCertHash,
  FLANNEL_MANIFEST_PATH,
  KUBEADM_CONFIG_PATH,
  NODE_LOG_DIR,
  renderJoinConfiguration,
} from './kubeadm-config.ts';
import { explainKubeadmFailure } from './readiness.ts';

const JOIN_CONFIG_PATH = '/etc/labdeck/kubeadm-join.yaml';
const KUBELET_KUBECONFIG_PATH = '/etc/kubernetes/kubelet.conf';
const KUBEADM_TIMEOUT_MS = 600_000;

export interface BootstrapContext {
  docker: Docker;
  config: EnvConfig;
  signal: AbortSignal;
  /** One line of kubeadm's output, or a step Labdeck took, for the progress log. */
  onLog(node: string, line: string): void;
}

async function fileExists(docker: Docker, id: string, file: string): Promise<boolean> {
  return (await execCollect(docker, id, ['test', '-s', file], { timeoutMs: 10_000 })).exitCode === 0;
}

/** Waits for the entrypoint to have containerd answering: kubeadm's preflight asks it first. */
export async function awaitContainerd(docker: Docker, id: string, node: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await execCollect(docker, id, ['ctr', '--connect-timeout', '2s', '--namespace', 'k8s.io', 'version'], { timeoutMs: 10_000 });
    if (outcome.exitCode === 0) return;
    if (Date.now() > deadline) {
      throw new LabdeckError('environment-not-ready', `containerd did not start on ${node}: ${outcome.output.trim().slice(-300)}`, {
        action: 'Run `labdeck env diagnostics` (it holds the node\'s containerd log) and `labdeck env doctor`; `labdeck env reset` starts over.',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Runs a kubeadm phase in a node, its output streamed to the progress log and kept in the node's
 * /var/log/labdeck/kubeadm-<name>.log for the diagnostics archive.
 */
async function runKubeadm(ctx: BootstrapContext, id: string, node: string, name: string, args: string): Promise<void> {
  const log = `${NODE_LOG_DIR}/kubeadm-${name}.log`;
  const script = `mkdir -p ${NODE_LOG_DIR}; set -o pipefail; kubeadm ${args} 2>&1 | tee ${log}`;
  let pending = '';
  const outcome = await execCollect(ctx.docker, id, ['bash', '-c', script], {
    timeoutMs: KUBEADM_TIMEOUT_MS,
    onOutput: (text) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) ctx.onLog(node, line);
    },
  });
  if (outcome.exitCode !== 0) {
    const problem = explainKubeadmFailure(outcome.output);
    throw new LabdeckError('environment-not-ready', `kubeadm ${name} failed on ${node}: ${problem.message}`, { action: problem.action, details: { output: outcome.output.slice(-4000) } });
  }
}

/**
 * `kubeadm init` on the control-plane node, once: a node that already has its admin kubeconfig is done.
 * A half-finished earlier attempt (the container was stopped mid-way) is reset first, as an administrator
 * would do by hand.
 */
export async function initControlPlane(ctx: BootstrapContext, id: string): Promise<void> {
  const { docker } = ctx;
  const node = serverNode(ctx.config).name;
  if (await fileExists(docker, id, ADMIN_KUBECONFIG_PATH)) {
    ctx.onLog(node, 'kubeadm init already done');
    return;
  }
  if (await fileExists(docker, id, '/etc/kubernetes/manifests/kube-apiserver.yaml')) {
    ctx.onLog(node, 'an earlier kubeadm init did not finish: kubeadm reset -f');
    await runKubeadm(ctx, id, node, 'reset', 'reset -f');
  }
  await runKubeadm(ctx, id, node, 'init', `init --config ${KUBEADM_CONFIG_PATH} --skip-token-print`);
}

/**
 * Waits for the API server (a static pod the kubelet starts) to report ready: right after init it is, but
 * after a restart of master1 the kubelet needs a while to bring the static pods back.
 */
export async function awaitApiServer(ctx: BootstrapContext, id: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await execCollect(ctx.docker, id, ['kubectl', `--kubeconfig=${ADMIN_KUBECONFIG_PATH}`, 'get', '--raw=/readyz'], { timeoutMs: 15_000 });
    if (outcome.exitCode === 0) return;
    if (Date.now() > deadline) {
      throw new LabdeckError('environment-not-ready', `The API server on ${serverNode(ctx.config).name} is not ready: ${outcome.output.trim().slice(-300)}`, {
        action: 'Run `labdeck env up` again to keep waiting; `labdeck env diagnostics` holds the kubelet log of master1.',
      });
    }
    if (ctx.signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** flannel, from the manifest Labdeck put on the control-plane node, applied with kubeadm's admin kubeconfig. */
export async function applyFlannel(ctx: BootstrapContext, id: string): Promise<void> {
  const node = serverNode(ctx.config).name;
  const outcome = await execCollect(ctx.docker, id, ['kubectl', `--kubeconfig=${ADMIN_KUBECONFIG_PATH}`, 'apply', '-f', FLANNEL_MANIFEST_PATH], { timeoutMs: 120_000 });
  for (const line of outcome.output.split('\n')) if (line.trim()) ctx.onLog(node, line);
  if (outcome.exitCode !== 0) {
    throw new LabdeckError('environment-not-ready', `Installing flannel failed: ${outcome.output.trim().slice(-400)}`, {
      action: 'Run `labdeck env up` again; if it persists, `labdeck env diagnostics`.',
    });
  }
}

/** The join settings a worker needs: the bootstrap token from the control plane's kubeadm config, and its CA. */
export async function readJoinSecrets(docker: Docker, serverId: string): Promise<{ token: string; caHash: string }> {
  const config = await execCollect(docker, serverId, ['cat', KUBEADM_CONFIG_PATH], { timeoutMs: 10_000 });
  const ca = await execCollect(docker, serverId, ['cat', CA_CERT_PATH], { timeoutMs: 10_000 });
  const init = parseAllDocuments(config.output).map((doc) => doc.toJS() as { kind?: string; bootstrapTokens?: { token?: string }[] });
  const token = init.find((doc) => doc.kind === 'InitConfiguration')?.bootstrapTokens?.[0]?.token;
  if (config.exitCode !== 0 || ca.exitCode !== 0 || !token) {
    throw new LabdeckError('environment-not-ready', 'The control-plane node lacks its kubeadm configuration or CA certificate.', { action: 'Run `labdeck env reset` for a fresh cluster.' });
  }
  return { token, caHash: caCertHash(ca.output) };
}

/** `kubeadm join` on a worker, once: a worker with its kubelet kubeconfig has joined already. */
export async function joinWorker(ctx: BootstrapContext, id: string, nodeName: string, secrets: { token: string; caHash: string }): Promise<void> {
  const node = ctx.config.nodes.find((candidate) => candidate.name === nodeName);
  if (!node) throw new Error(`No node ${nodeName} in the configuration`);
  if (await fileExists(ctx.docker, id, KUBELET_KUBECONFIG_PATH)) {
    ctx.onLog(nodeName, 'kubeadm join already done');
    return;
  }
  if (await fileExists(ctx.docker, id, '/var/lib/kubelet/config.yaml')) {
    ctx.onLog(nodeName, 'an earlier kubeadm join did not finish: kubeadm reset -f');
    await runKubeadm(ctx, id, nodeName, 'reset', 'reset -f');
  }
  await putFiles(ctx.docker, id, [{ path: JOIN_CONFIG_PATH, content: renderJoinConfiguration(ctx.config, node, secrets.token, secrets.caHash), mode: 0o600 }]);
  await runKubeadm(ctx, id, nodeName, 'join', `join --config ${JOIN_CONFIG_PATH}`);
}

/** kubeadm's admin kubeconfig, as the guide's ~/.kube/config shows it. */
export async function readAdminKubeconfig(docker: Docker, serverId: string): Promise<string> {
  const outcome = await execCollect(docker, serverId, ['cat', ADMIN_KUBECONFIG_PATH], { timeoutMs: 10_000 });
  if (outcome.exitCode !== 0) {
    throw new LabdeckError('environment-not-ready', `kubeadm did not write ${ADMIN_KUBECONFIG_PATH}.`, { action: 'Run `labdeck env up` again, or `labdeck env diagnostics` to see why.' });
  }
  return outcome.output;
}

/**
 * flannel's DaemonSet counts as available as soon as its pods run, but a node only reaches another node's
 * pods once its flannel has installed the route to that node's pod subnet. Waits until every node has a
 * route to every other node's subnet, so "ready" means pods can talk across nodes.
 */
export async function awaitPodRoutes(
  ctx: BootstrapContext,
  nodes: readonly { name: string; id: string; podCIDR: string | null }[],
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing: string[] = [];
    for (const node of nodes) {
      const routes = await execCollect(ctx.docker, node.id, ['ip', '-4', 'route', 'show'], { timeoutMs: 10_000 });
      for (const other of nodes) {
        if (other === node || !other.podCIDR) continue;
        if (!routes.output.split('\n').some((line) => line.startsWith(`${other.podCIDR} `))) missing.push(`${node.name} → ${other.podCIDR} (${other.name})`);
      }
    }
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new LabdeckError('environment-not-ready', `flannel has not set up the routes between the nodes: ${missing.join(', ')}.`, {
        action: 'Run `labdeck env up` again; if it persists, `labdeck env diagnostics` shows the kube-flannel-ds logs.',
      });
    }
    if (ctx.signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
