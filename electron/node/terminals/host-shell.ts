import os from 'node:os';
import type { InteractiveProcess } from '../backend/ports.ts';

export interface HostShellOptions {
  cols: number;
  rows: number;
  /** KUBECONFIG for the shell so host-side kubectl talks to the lab cluster; null leaves it unset. */
  kubeconfigPath: string | null;
}

export type SpawnHostShell = (options: HostShellOptions) => Promise<InteractiveProcess>;

/** The user's own login shell on the host, in a pseudo terminal (node-pty), pointed at the lab cluster. */
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

  const child = pty.spawn(shell, [], {
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
