import type Docker from 'dockerode';
import { imagePresent } from './bundle.ts';
import { mirrorPath, repositoryOf } from './versions.ts';

export interface MirrorResult {
  pushed: string[];
  /** Images the engine does not have: nodes ask upstream for them (works online, ErrImagePull offline). */
  missing: string[];
}

/**
 * Copies images from the engine into the lab's registry mirror. The engine pushes them itself to the
 * mirror's port on 127.0.0.1 (which Docker treats as a plain-HTTP registry), under a temporary tag it
 * removes again; layers the mirror already holds are not sent twice. Runs at every `up` and resume: the
 * mirror keeps blobs on its volume but its manifests only in memory.
 */
export async function pushToMirror(
  docker: Docker,
  images: readonly string[],
  registryHostPort: number,
  onLog: (line: string) => void = () => undefined,
): Promise<MirrorResult> {
  const result: MirrorResult = { pushed: [], missing: [] };
  const queue = [...images];
  const worker = async () => {
    for (let image = queue.shift(); image !== undefined; image = queue.shift()) {
      if (!(await imagePresent(docker, image))) {
        result.missing.push(image);
        continue;
      }
      await pushOne(docker, image, `127.0.0.1:${registryHostPort}/${mirrorPath(image)}`);
      onLog(`${image} in the registry mirror`);
      result.pushed.push(image);
    }
  };
  // Two at a time: the engine compresses layers while pushing, and this machine may have two cores.
  await Promise.all([worker(), worker()]);
  return result;
}

async function pushOne(docker: Docker, image: string, target: string): Promise<void> {
  const repo = repositoryOf(target);
  const tag = target.slice(repo.length + 1) || 'latest';
  await docker.getImage(image).tag({ repo, tag });
  try {
    const stream = await docker.getImage(`${repo}:${tag}`).push({ tag, authconfig: {} } as Docker.ImagePushOptions);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
        const failed = error?.message ?? output.find((entry) => entry.error)?.error;
        if (failed) reject(new Error(`Pushing ${image} to the registry mirror failed: ${failed}`));
        else resolve();
      });
    });
  } finally {
    // Only the temporary name goes; the image itself stays under its own tag.
    await docker.getImage(`${repo}:${tag}`).remove({ noprune: true }).catch(() => undefined);
  }
}
