import { LabdeckError } from '../../common/errors.ts';
import { requireDocker, type OperationContext } from './environment-ops.ts';
import { listLabContainers } from './lab-containers.ts';
import { isLabdeckObject, labFilters } from './labels.ts';

export function startFailure(name: string, privileged: boolean, error: unknown): LabdeckError {
  const detail = error instanceof Error ? error.message : String(error);
  if (privileged && /unable to apply caps|operation not permitted|privileged/i.test(detail)) {
    return new LabdeckError('environment-not-ready', `The Docker engine refused to start ${name} as a privileged container (${detail.trim()}).`, {
      action: 'Kubernetes nodes need privileged (or nearly privileged) containers. Use Docker Desktop or a regular (rootful) Docker engine; rootless Docker and restricted sandboxes cannot run them. `labdeck env doctor` says what this engine allows; a remote engine works too (DOCKER_HOST).',
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

