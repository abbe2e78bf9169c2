import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { LabdeckError } from '../../common/errors.ts';
import { bundledRegistryDigest, checkBundleArchive } from './bundle-archive.ts';
import { IMAGE_DIGESTS, pinnedReference, repositoryOf } from './versions.ts';

/**
 * Offline course bundle, a plain folder an instructor hands out (USB stick, shared drive):
 *
 *   images/<file>.tar   `docker save` output of every image the lab needs, loaded with `docker load` when the
 *                       engine lacks it: the node, jumphost and registry mirror images
 *                       (images/labdeck_node_v1.33.4.tar, images/labdeck_jumphost_1.1.0.tar, …), the cluster's
 *                       system images (images/registry.k8s.io_kube-apiserver_v1.33.4.tar, …) and the course's
 *                       workload images (images/nginx_1.14.2.tar). `env up` pushes the system and workload
 *                       images from the engine into the lab's registry mirror, where the nodes pull them.
 */
export function bundleFileName(image: string): string {
  return `${image.replace(/[/:@]+/g, '_')}.tar`;
}

export function bundleImagePath(bundleDir: string, image: string): string {
  return path.join(bundleDir, 'images', bundleFileName(image));
}

export async function imageIdOf(docker: Docker, image: string): Promise<string | null> {
  try {
    return (await docker.getImage(image).inspect()).Id;
  } catch {
    return null;
  }
}

export async function imagePresent(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * How to get an image while online. Labdeck's own images (node, registry mirror, jumphost) are on no
 * registry: `labdeck env up` builds them on this machine (node-image.ts, jumphost-image.ts); others are pulled.
 */
/** Where advice is read: the app (buttons) or the `labdeck` command line (commands). */
export type AdviceFor = 'app' | 'cli';

export function onlineRemedy(image: string, where: AdviceFor = 'cli'): string {
  if (!repositoryOf(image).startsWith('labdeck/')) return `run \`docker pull ${image}\``;
  return where === 'cli' ? `run \`labdeck env up\` (it builds ${image} on this machine)` : `press Start on the environment card (it builds ${image} on this machine)`;
}

export function missingImageError(image: string, bundleDir: string | undefined): LabdeckError {
  const expected = bundleDir ? bundleImagePath(bundleDir, image) : `<bundle>/images/${bundleFileName(image)}`;
  return new LabdeckError('environment-not-ready', `The image ${image} is not on this Docker engine and no course bundle provides it (expected ${expected}).`, {
    // In the app the fix is a button (the environment card offers "Open course…" for this error); --course and
    // --bundle are for the command line.
    action: `Open the course file your instructor handed out with "Open course…" on the Start screen (or start with --course <file>; a bundle folder with --bundle <folder>), or, while online, ${onlineRemedy(image)} (and \`docker save ${image} -o ${expected}\` to add it to a bundle).`,
    details: { image, expected },
  });
}

export type ImageSource = 'present' | 'bundle' | 'pulled';

/** Makes an image available without a registry when possible: present, else the bundle's tarball, else (if allowed) a pull. */
export async function ensureImage(
  docker: Docker,
  image: string,
  options: { bundleDir?: string; allowPull: boolean; onLog?: (line: string) => void },
): Promise<ImageSource> {
  if (await imagePresent(docker, image)) return 'present';
  if (options.bundleDir) {
    const file = bundleImagePath(options.bundleDir, image);
    if (fs.existsSync(file)) {
      // Before loading: the archive may create only this image's tag (see bundle-archive.ts).
      const expectedId = await checkBundleArchive(options.bundleDir, file, image);
      options.onLog?.(`docker load < ${file}`);
      await loadImageArchive(docker, file);
      const loadedId = await imageIdOf(docker, image);
      if (loadedId === null) {
        throw new LabdeckError('environment-not-ready', `${file} was loaded but does not contain ${image}.`, {
          action: `Recreate it with \`docker save ${image} -o ${file}\`.`,
        });
      }
      // Tags move; the image id (the digest of its configuration) does not. bundle.json records it.
      if (expectedId !== null && loadedId !== expectedId) {
        throw new LabdeckError('environment-not-ready', `${file} holds ${image} with id ${loadedId}, but bundle.json expects ${expectedId}: the file was changed after the bundle was written.`, {
          action: 'Do not use this bundle; ask your instructor for a fresh copy (`labdeck env bundle --verify --out <dir>` checks a copy), then run `docker rmi ' + image + '` and start again.',
        });
      }
      return 'bundle';
    }
  }
  if (options.allowPull) {
    try {
      // Pinned by digest where versions.ts knows one, else where the course bundle recorded the one the
      // instructor's engine pulled: never a tag that may have been re-pushed since.
      const bundled = options.bundleDir ? await bundledRegistryDigest(options.bundleDir, image) : null;
      const digests = Object.hasOwn(IMAGE_DIGESTS, image) || !bundled ? IMAGE_DIGESTS : { ...IMAGE_DIGESTS, [image]: bundled };
      options.onLog?.(`docker pull ${pinnedReference(image, digests)}`);
      await pullImage(docker, image, digests);
      return 'pulled';
    } catch {
      // Offline or the registry refused: fall through to the message that explains the offline way.
    }
  }
  throw missingImageError(image, options.bundleDir);
}

/** `docker load` of a saved image archive; resolves when the engine has finished importing it. */
export async function loadImageArchive(docker: Docker, file: string): Promise<void> {
  const response = await docker.loadImage(fs.createReadStream(file), { quiet: true });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(response, (error: Error | null, output: { error?: string }[]) => {
      const failed = error?.message ?? output.find((entry) => entry.error)?.error;
      if (failed) reject(new Error(`docker load ${file} failed: ${failed}`));
      else resolve();
    });
  });
}

/** Pulls an image; by its pinned digest when versions.ts knows one, then tags it as people know it. */
export async function pullImage(docker: Docker, image: string, digests: Readonly<Record<string, string>> = IMAGE_DIGESTS): Promise<void> {
  const reference = pinnedReference(image, digests);
  const stream = await docker.pull(reference);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve()));
  });
  if (reference !== image) {
    const repo = repositoryOf(image);
    await docker.getImage(reference).tag({ repo, tag: image.slice(repo.length + 1) || 'latest' });
  }
}
