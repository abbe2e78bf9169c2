import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { LabContainerInfo } from './lab-containers.ts';
import type { PlannedContainer } from './plan.ts';

/** The attendee's home is files they typed, not a disk image: more than this is not carried over. */
const MAX_HOME_BYTES = 256 * 1024 * 1024;
const HOME = '/home/ubuntu';

export interface ToolboxReplacement {
  /** The containers still there after an outdated toolbox was removed. */
  existing: LabContainerInfo[];
  /** The old jumphost's /home/ubuntu as a tar, to put into the new one; null when nothing is carried. */
  home: Buffer | null;
}

/**
 * A jumphost or verifier made from another image than this Labdeck's (an upgrade brought a new recorder or
 * kubectl) is replaced rather than reused: its shell would report to nobody. The jumphost's home, where the
 * attendee keeps their manifests, is carried over to the new one.
 */
export async function replaceOutdatedToolbox(docker: Docker, planned: PlannedContainer, existing: readonly LabContainerInfo[], onLog: (line: string) => void): Promise<ToolboxReplacement> {
  const found = existing.find((container) => container.name === planned.name);
  if (!found || !(await outdated(docker, found, planned.create.Image))) return { existing: [...existing], home: null };
  const home = planned.role === 'jumphost' && found.state === 'running' ? await archiveHome(docker, found.id).catch(() => null) : null;
  onLog(`${planned.name} runs ${found.image}; replacing it with ${planned.create.Image}${home ? `, keeping ${HOME}` : ''}`);
  await docker.getContainer(found.id).remove({ force: true });
  return { existing: existing.filter((container) => container.id !== found.id), home };
}

/** Made from another image, or from an older build of the same name (an image rebuilt for this Labdeck). */
async function outdated(docker: Docker, container: LabContainerInfo, image: string): Promise<boolean> {
  if (container.image === undefined) return false;
  if (container.image !== image) return true;
  const wanted = await docker
    .getImage(image)
    .inspect()
    .then((info) => info.Id)
    .catch(() => undefined);
  return wanted !== undefined && container.imageId !== undefined && container.imageId !== wanted;
}

/** Puts the carried home into the new jumphost (its files keep their owner, uid 1000). */
export async function restoreHome(docker: Docker, containerId: string, home: Buffer): Promise<void> {
  await docker.getContainer(containerId).putArchive(home, { path: '/home' });
}

async function archiveHome(docker: Docker, containerId: string): Promise<Buffer | null> {
  const stream = (await docker.getContainer(containerId).getArchive({ path: HOME })) as Readable;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_HOME_BYTES) {
      stream.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
