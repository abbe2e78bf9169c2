import type Docker from 'dockerode';
import { imageIdOf } from './bundle.ts';
import { mirrorPath, repositoryOf } from './versions.ts';

export interface MirrorResult {
  pushed: string[];
  /** Images the engine does not have: nodes ask upstream for them (works online, ErrImagePull offline). */
  missing: string[];
}

/**
 * Copies images from the engine into the lab's registry mirror. The engine pushes them itself to the
 * mirror's port on 127.0.0.1 (which Docker treats as a plain-HTTP registry), under a temporary tag it
 * removes again; layers the mirror already holds are not sent twice, and an image the mirror serves already
 * (same configuration digest) is not pushed at all. Runs at every `up` and resume: the mirror keeps blobs on
 * its volume but its manifests only in memory, so after a restart the pushes are HEAD requests and manifests.
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
      const id = await imageIdOf(docker, image);
      if (id === null) {
        result.missing.push(image);
        continue;
      }
      if ((await mirroredConfigDigest(registryHostPort, mirrorPath(image))) !== id) {
        await pushOne(docker, image, `127.0.0.1:${registryHostPort}/${mirrorPath(image)}`);
        onLog(`${image} pushed to the registry mirror`);
      }
      result.pushed.push(image);
    }
  };
  // Two at a time: the engine compresses layers while pushing, and this machine may have two cores.
  await Promise.all([worker(), worker()]);
  return result;
}

/**
 * The configuration digest of what the mirror serves under a name. An image's id in Docker is the digest of
 * its configuration, so an equal digest means the mirror already holds exactly this image.
 */
async function mirroredConfigDigest(port: number, name: string): Promise<string | null> {
  const { repo, tag } = splitTag(name);
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v2/${repo}/manifests/${tag}`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return null;
    const manifest = (await response.json()) as { config?: { digest?: unknown } };
    return typeof manifest.config?.digest === 'string' ? manifest.config.digest : null;
  } catch {
    return null;
  }
}

/** `host:5000/library/nginx:1.14.2` -> repository and tag (`latest` when none is given). */
function splitTag(name: string): { repo: string; tag: string } {
  const repo = repositoryOf(name);
  return { repo, tag: name.slice(repo.length + 1) || 'latest' };
}

async function pushOne(docker: Docker, image: string, target: string): Promise<void> {
  const { repo, tag } = splitTag(target);
  await docker.getImage(image).tag({ repo, tag });
  try {
    // A mirror that has just started may refuse the first connection (on a remote engine nothing here can
    // wait for its port): a few tries, then the engine's own error.
    for (let attempt = 1; ; attempt++) {
      try {
        await pushStream(docker, image, repo, tag);
        return;
      } catch (error) {
        if (attempt >= 5 || !/connection refused|EOF|connection reset/i.test(error instanceof Error ? error.message : String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  } finally {
    // Only the temporary name goes; the image itself stays under its own tag.
    await docker.getImage(`${repo}:${tag}`).remove({ noprune: true }).catch(() => undefined);
  }
}

async function pushStream(docker: Docker, image: string, repo: string, tag: string): Promise<void> {
  const stream = await docker.getImage(`${repo}:${tag}`).push({ tag, authconfig: {} } as Docker.ImagePushOptions);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
      const failed = error?.message ?? output.find((entry) => entry.error)?.error;
      if (failed) reject(new Error(`Pushing ${image} to the registry mirror failed: ${failed}`));
      else resolve();
    });
  });
}
