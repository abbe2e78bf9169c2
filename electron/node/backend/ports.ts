import type { KubeConfig } from '@kubernetes/client-node';
import type { CommandRecord } from '../checks/check-world.ts';

/**
 * The seams between backend modules. The environment module implements them for a real kubeadm cluster
 * in Docker; tests and `labdeck serve --kubeconfig` substitute other implementations.
 */

/** How the backend reaches the lab cluster's API server from the host. */
export interface ClusterAccess {
  /** A KubeConfig for the lab cluster, or null while no cluster is reachable. */
  kubeConfig(): Promise<KubeConfig | null>;
  /** Path of a kubeconfig file for host-side tools (the host shell's KUBECONFIG), or null. */
  kubeconfigPath(): Promise<string | null>;
  /** Called when the cluster appears, disappears or is replaced; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

export type ContainerTarget = { kind: 'jumphost' } | { kind: 'node'; node: string } | { kind: 'verifier' };

export interface ExecOutcome {
  exitCode: number;
  output: string;
}

/** A running interactive process with a TTY (a docker exec or a host pty). Bytes in, bytes out. */
export interface InteractiveProcess {
  onData(listener: (chunk: Uint8Array) => void): void;
  onExit(listener: (exitCode: number | null, message?: string) => void): void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Flow control: stop / resume reading output from the process. */
  pause(): void;
  resume(): void;
  kill(): void;
}

/** The Docker containers of the lab (jumphost, nodes, verifier), found only through Labdeck's labels. */
export interface LabContainers {
  /** Container id for a target, or null when that container does not exist or is not running. */
  containerFor(target: ContainerTarget): Promise<string | null>;
  /** Names of the cluster's node containers (master1, worker1, ...). */
  nodeNames(): Promise<string[]>;
  /** Runs argv non-interactively and collects combined output. */
  exec(containerId: string, argv: string[], options: { timeoutMs: number }): Promise<ExecOutcome>;
  /** Starts an interactive shell with a TTY. */
  execInteractive(containerId: string, argv: string[], options: { cols: number; rows: number; env?: string[] }): Promise<InteractiveProcess>;
  /** Host port on which a nodePort is published, or null when it is not published. */
  publishedPort(nodePort: number): Promise<number | null>;
}

/** The jumphost's record of command lines the attendee ran. */
export interface CommandLog {
  read(): Promise<CommandRecord[] | null>;
  /** Called with the full record whenever new lines arrive; returns an unsubscribe function. */
  subscribe(listener: (records: CommandRecord[]) => void): () => void;
}
