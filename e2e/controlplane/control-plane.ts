import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Starts Labdeck's test control plane (see README.md beside this file): a real kube-apiserver, controller
 * manager and scheduler with embedded etcd, plus the node/pod simulator, all built from the Kubernetes Go
 * modules of the Kubernetes release Labdeck pins (KUBERNETES_VERSION).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
export const CONTROL_PLANE_BINARY = path.join(here, 'bin', 'controlplane');
export const CONTROL_PLANE_KUBECTL = path.join(here, 'bin', 'kubectl');

export interface RunningControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** kubeconfig with the names the product writes (kubernetes-admin@kubernetes), admin client certificate. */
  kubeconfigPath: string;
  dataDir: string;
  /** Kubernetes release, e.g. v1.33.4. */
  version: string;
  /** Loopback address of the control plane's admin endpoint (restart, compact). */
  admin: string;
  /** Stops one component and starts it again on the same address (kube-apiserver, kube-controller-manager, kube-scheduler). */
  restart(component: 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler'): Promise<void>;
  /** Compacts etcd to its newest revision: older resource versions now answer 410 Gone. */
  compact(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra kube-apiserver flags, e.g. --watch-cache=false. */
  apiserverArgs?: string[];
  /** Images the simulated nodes hold; pods with others stay in ImagePullBackOff. Empty: every image. */
  availableImages?: string[];
  /** Give up after this long (a cold start takes about 10-20 s on two cores). */
  timeoutMs?: number;
}

/** Why the real control plane cannot run here, or undefined when it can. */
export function controlPlaneUnavailableReason(): string | undefined {
  if (!existsSync(CONTROL_PLANE_BINARY)) {
    return `the test control plane is not built (${path.relative(process.cwd(), CONTROL_PLANE_BINARY)} is missing): install Go and run bash e2e/controlplane/build.sh`;
  }
  return undefined;
}

interface ReadyReport {
  event: 'ready';
  server: string;
  kubeconfig: string;
  admin: string;
  dataDir: string;
  version: string;
}

export async function startControlPlane(options: StartOptions = {}): Promise<RunningControlPlane> {
  const reason = controlPlaneUnavailableReason();
  if (reason) throw new Error(`Cannot start the test control plane: ${reason}`);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'labdeck-controlplane-'));
  const args = ['run', '--data-dir', dataDir, '--exit-on-stdin-close'];
  for (const flag of options.apiserverArgs ?? []) args.push('--apiserver-arg', flag);
  if (options.availableImages?.length) args.push('--available-images', options.availableImages.join(','));
  // stdin stays an open pipe: when this process dies, it closes and the control plane shuts itself down.
  const child = spawn(CONTROL_PLANE_BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  let report: ReadyReport;
  try {
    report = await waitForReady(child, options.timeoutMs ?? 180_000, () => stderr.join(''));
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\nComponent logs: ${path.join(dataDir, 'logs')}`);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    server: report.server,
    kubeconfigPath: report.kubeconfig,
    dataDir,
    version: report.version,
    admin: report.admin,
    ...controlPlaneAdmin(report.admin),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Restart and compaction through the admin endpoint; usable from any test process that knows its address. */
export function controlPlaneAdmin(adminUrl: string): Pick<RunningControlPlane, 'restart' | 'compact'> {
  const post = async (route: string): Promise<string> => {
    const response = await fetch(`${adminUrl}${route}`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
    const text = await response.text();
    if (!response.ok) throw new Error(`control plane ${route}: ${response.status} ${text.trim()}`);
    return text;
  };
  return {
    async restart(component) {
      await post(`/restart/${component}`);
    },
    async compact() {
      return Number((await post('/compact')).trim());
    },
  };
}

function waitForReady(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<ReadyReport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The test control plane was not ready within ${timeoutMs / 1000}s.\n${stderr()}`)), timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Partial<ReadyReport>;
        if (parsed.event === 'ready') {
          clearTimeout(timer);
          resolve(parsed as ReadyReport);
        }
      } catch {
        // Not our report line; components log to files, so this is rare.
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The test control plane exited (${signal ?? `code ${code}`}) before it was ready.\n${stderr()}`));
    });
  });
}
