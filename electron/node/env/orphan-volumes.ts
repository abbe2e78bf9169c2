import type Docker from 'dockerode';
import type { LabContainerInfo } from './lab-containers.ts';
import { isLabdeckObject, LABEL_NODE, LABEL_ROLE, labFilters } from './labels.ts';

/**
 * A node's /var volume whose container is gone (removed by hand with `docker rm -f`, which keeps volumes)
 * holds etcd's and the kubelet's state without the certificates that lived in the container: a new node on
 * it fails at `kubeadm init` ("/var/lib/etcd is not empty"). Such volumes of this environment are removed
 * before its nodes are created, so `up` starts them clean. A volume still in use is left alone.
 */
export async function removeOrphanNodeVolumes(docker: Docker, envName: string, existing: readonly LabContainerInfo[], onLog: (line: string) => void): Promise<string[]> {
  const nodes = new Set(existing.filter((container) => container.role === 'server' || container.role === 'agent').map((container) => container.node));
  const listed = await docker.listVolumes({ filters: labFilters(envName) });
  const removed: string[] = [];
  for (const volume of listed.Volumes ?? []) {
    const labels = volume.Labels ?? {};
    const role = labels[LABEL_ROLE];
    if (!isLabdeckObject(labels, envName) || (role !== 'server' && role !== 'agent') || nodes.has(labels[LABEL_NODE])) continue;
    try {
      await docker.getVolume(volume.Name).remove();
      removed.push(volume.Name);
      onLog(`${volume.Name}: the volume of node ${labels[LABEL_NODE] ?? '?'}, whose container is gone, removed so the node starts clean`);
    } catch {
      // In use by a container of another name: not ours to decide.
    }
  }
  return removed;
}
