import os from 'node:os';
import type { InteractiveProcess } from '../backend/ports.ts';
import { shellLaunch } from './host-shell-integration.ts';

export interface HostShellOptions {
  cols: number;
  rows: number;
  /** KUBECONFIG for the shell so host-side kubectl talks to the lab cluster; null leaves it unset. */
  kubeconfigPath: string | null;
}

export type SpawnHostShell = (options: HostShellOptions) => Promise<InteractiveProcess>;

/**
 * The user's own shell on the host, in a pseudo terminal (node-pty), pointed at the lab cluster, with shell
 * integration so its commands can count as evidence (terminals/host-command-recorder.ts).
 */
export const spawnHostShell: SpawnHostShell = async ({ cols, rows, kubeconfigPath }) => {
  // Loaded lazily: node-pty is a native module, and only the host shell tab needs it.
  const pty = await import('node-pty');
  const shell = process.env.SHELL || (process.platform === 'win32' ? 'powershell.exe' : '/bin/bash');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  if (kubeconfigPath) env.KUBECONFIG = kubeconfigPath;
  else delete env.KUBECONFIG;

  // bash and zsh report each command line to Labdeck (host-shell-integration.ts); other shells start as they are.
  const launch = await shellLaunch(shell, env);
  Object.assign(env, launch.env);

  const child = pty.spawn(shell, launch.args, {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: os.homedir(),
    env,
    // null: hand out raw Buffers, so no UTF-8 sequence is ever decoded across a chunk boundary here.
    encoding: null,
  });
  return {
    onData(listener) {
      child.onData((chunk: string | Buffer) => listener(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
    },
    onExit(listener) {
      child.onExit(({ exitCode, signal }) => listener(exitCode, signal ? `ended by signal ${signal}` : undefined));
    },
    write: (data) => child.write(data),
    resize: (c, r) => child.resize(c, r),
    pause: () => child.pause(),
    resume: () => child.resume(),
    kill: () => child.kill(),
  };
};
