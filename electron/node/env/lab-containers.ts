import type Docker from 'dockerode';
import type { ContainerTarget, ExecOutcome, InteractiveProcess, LabContainers } from '../backend/ports.ts';
import { execCollect, execInteractive } from './docker-exec.ts';
import { LABEL_NODE, LABEL_ROLE, labFilters, type LabRole } from './labels.ts';

export interface LabContainerInfo {
  id: string;
  name: string;
  role: LabRole;
  node: string | undefined;
  state: string;
  /** The image the container was created from, by the name it was given, and by its id. */
  image?: string;
  imageId?: string;
  labels: Record<string, string>;
}

/** Lists one environment's containers, found only through Labdeck's labels. */
export async function listLabContainers(docker: Docker, envName: string, role?: LabRole): Promise<LabContainerInfo[]> {
  const containers = await docker.listContainers({ all: true, filters: labFilters(envName, role) });
  return containers.map((container) => ({
    id: container.Id,
    name: (container.Names[0] ?? container.Id).replace(/^\//, ''),
    role: container.Labels[LABEL_ROLE] as LabRole,
    node: container.Labels[LABEL_NODE],
    state: container.State,
    image: container.Image,
    imageId: container.ImageID,
    labels: container.Labels,
  }));
}

/** The lab's containers as the rest of the backend sees them (terminals, checks). */
export class DockerLabContainers implements LabContainers {
  readonly #docker: Docker;
  readonly #envName: string;

  constructor(docker: Docker, envName: string) {
    this.#docker = docker;
    this.#envName = envName;
  }

  async containerFor(target: ContainerTarget): Promise<string | null> {
    const role: LabRole = target.kind === 'node' ? 'server' : target.kind;
    const candidates =
      target.kind === 'node'
        ? (await listLabContainers(this.#docker, this.#envName)).filter(
            (container) => (container.role === 'server' || container.role === 'agent') && container.node === target.node,
          )
        : await listLabContainers(this.#docker, this.#envName, role);
    return candidates.find((container) => container.state === 'running')?.id ?? null;
  }

  async nodeNames(): Promise<string[]> {
    const containers = await listLabContainers(this.#docker, this.#envName);
    return containers
      .filter((container) => container.role === 'server' || container.role === 'agent')
      .sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'server' ? -1 : 1))
      .map((container) => container.node ?? container.name);
  }

  exec(containerId: string, argv: string[], options: { timeoutMs: number }): Promise<ExecOutcome> {
    return execCollect(this.#docker, containerId, argv, options);
  }

  execInteractive(containerId: string, argv: string[], options: { cols: number; rows: number; env?: string[] }): Promise<InteractiveProcess> {
    return execInteractive(this.#docker, containerId, argv, options);
  }

  async publishedPort(nodePort: number): Promise<number | null> {
    const [server] = await listLabContainers(this.#docker, this.#envName, 'server');
    if (!server) return null;
    const info = await this.#docker.getContainer(server.id).inspect();
    return hostPortOf(info, nodePort);
  }
}

/** Host port a container port is published on (running containers report it; stopped ones keep the binding). */
export function hostPortOf(info: Docker.ContainerInspectInfo, containerPort: number): number | null {
  const key = `${containerPort}/tcp`;
  const live = info.NetworkSettings?.Ports?.[key]?.[0]?.HostPort;
  const configured = info.HostConfig?.PortBindings?.[key]?.[0]?.HostPort;
  const value = live || configured;
  return value ? Number(value) : null;
}
