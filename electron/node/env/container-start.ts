import type Docker from 'dockerode';
import { putFiles } from './docker-exec.ts';
import { startFailure } from './environment-teardown.ts';
import type { LabContainerInfo } from './lab-containers.ts';
import type { PlannedContainer } from './plan.ts';

/** The planned container's id: the existing one of that name, or a new one with its files in place. */
export async function createIfMissing(docker: Docker, planned: PlannedContainer, existing: readonly LabContainerInfo[]): Promise<string> {
  const found = existing.find((container) => container.name === planned.name);
  if (found) return found.id;
  const container = await docker.createContainer(planned.create);
  await putFiles(docker, container.id, planned.files);
  return container.id;
}

export async function startIfStopped(docker: Docker, id: string): Promise<void> {
  const container = docker.getContainer(id);
  const info = await container.inspect();
  if (info.State.Running) return;
  try {
    await container.start();
  } catch (error) {
    throw startFailure(info.Name.replace(/^\//, ''), info.HostConfig.Privileged === true, error);
  }
}

