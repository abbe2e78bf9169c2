import { launchFragmentKey } from '../../electron/common/api/access-token.ts';
import { createDockerClient } from '../../electron/node/env/docker-client.ts';
import { mintLaunchCode, newLaunchKey } from '../../electron/node/host/tab-sessions.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface StartedHost {
  /**
   * An address like the one `labdeck serve` prints, `http://127.0.0.1:PORT/#launch=…`, with a fresh one-time
   * launch code each time it is read: each opens one tab (electron/node/host/tab-sessions.ts). The harness
   * gives the host its launch key, so it can mint one per page.goto.
   */
  readonly url: string;
  /** The address the host printed itself (its code opens one tab too). */
  printedUrl: string;
  /** This host's data folder (progress.json lives here). */
  dataDir: string;
  /** Everything the host wrote to stderr so far, for failure messages. */
  log(): string;
  close(): Promise<void>;
}

export interface StartHostOptions {
  /** Point the backend at this cluster (the Kubernetes API test double) instead of the Labdeck environment. */
  kubeconfig?: string;
  /** Reuse a data folder (to test that progress survives a restart). */
  dataDir?: string;
}

/**
 * Starts the real `labdeck serve` command as a child process, exactly as `npm run web` does, and waits for
 * the address it prints. The renderer must already be built (npm test builds it before Playwright runs).
 */
export async function startHost(options: StartHostOptions = {}): Promise<StartedHost> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'labdeck-e2e-')));
  const args = ['electron/cli/labdeck.js', 'serve', '--port', '0', '--data-dir', dataDir];
  if (options.kubeconfig) args.push('--kubeconfig', options.kubeconfig);
  const launchKey = newLaunchKey();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', LABDECK_LAUNCH_KEY: launchKey.toString('base64url') } });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));

  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`labdeck serve printed no address within 30 s:\n${stderr}`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`labdeck serve exited with ${code}:\n${stderr}`));
    });
  });

  const origin = new URL(url).origin;
  return {
    get url() {
      return `${origin}/#${launchFragmentKey}=${mintLaunchCode(launchKey)}`;
    },
    printedUrl: url,
    dataDir,
    log: () => stderr,
    async close() {
      await stop(child);
      await removeLeftoverProbes();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A host stopped while its doctor was asking the engine about privileged containers leaves that throwaway
 * container behind (its `finally` never ran); the next probe would remove it after a minute, but a test run
 * must leave nothing labelled behind.
 */
async function removeLeftoverProbes(): Promise<void> {
  const docker = createDockerClient();
  const probes = await docker.listContainers({ all: true, filters: { label: ['dev.labdeck.managed=true', 'dev.labdeck.role=probe'] } }).catch(() => []);
  await Promise.all(probes.map((probe) => docker.getContainer(probe.Id).remove({ force: true }).catch(() => undefined)));
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
