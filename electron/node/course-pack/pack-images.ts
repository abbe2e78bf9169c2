import path from 'node:path';
import type Docker from 'dockerode';
import { LabdeckError } from '../../common/errors.ts';
import { checkBundleArchive } from '../env/bundle-archive.ts';
import { imageIdOf, loadImageArchive } from '../env/bundle.ts';
import type { PackManifest } from './pack-manifest.ts';

export interface PackImagesProgress {
  percent: number;
  message: string;
  image?: string;
}

export interface PackImagesResult {
  /** Loaded now with `docker load`. */
  loaded: string[];
  /** Already on the engine. */
  present: string[];
}

/** One saved image of an opened pack, for this machine's CPU: where it was extracted and what it holds. */
export interface PackImage {
  name: string;
  file: string;
  size: number;
}

/**
 * The saved images of an opened pack for one CPU architecture, from its manifest (whose sha256 of every file
 * was checked when the pack was opened): every file under images/<arch>/images/, all loaded into Docker.
 */
export function packImagesFor(manifest: PackManifest, bundleDir: string, arch: string): PackImage[] {
  const prefix = `images/${arch}/images/`;
  return manifest.entries
    .filter((entry) => entry.image !== undefined && entry.arch === arch && entry.path.startsWith(prefix))
    .map((entry) => {
      const relative = entry.path.slice(`images/${arch}/`.length);
      return { name: entry.image!, file: path.join(bundleDir, ...relative.split('/')), size: entry.size };
    });
}

/**
 * Loads an opened pack's images into the local Docker engine, offline, right when the pack is opened, so
 * Start needs nothing more: the node, jumphost and registry mirror images, and the system and workload images
 * `env up` pushes from the engine into the lab's registry mirror. Each archive is checked first to create only the tag it is for
 * (bundle-archive.ts); the file's bytes are the ones the signed manifest lists. An image already on the engine
 * under its name is left alone (the attendee may have pulled it). Progress is by bytes.
 */
export async function loadPackImages(docker: Docker, bundleDir: string, images: readonly PackImage[], onProgress: (progress: PackImagesProgress) => void): Promise<PackImagesResult> {
  const result: PackImagesResult = { loaded: [], present: [] };
  const toLoad = images;
  const total = toLoad.reduce((sum, image) => sum + image.size, 0) || 1;
  let done = 0;
  for (const image of toLoad) {
    onProgress({ percent: Math.round((done / total) * 100), message: `Checking ${image.name}`, image: image.name });
    if ((await imageIdOf(docker, image.name)) !== null) {
      result.present.push(image.name);
    } else {
      await checkBundleArchive(bundleDir, image.file, image.name);
      onProgress({ percent: Math.round((done / total) * 100), message: `Loading ${image.name} into Docker (${formatMegabytes(image.size)})`, image: image.name });
      await loadImageArchive(docker, image.file);
      if ((await imageIdOf(docker, image.name)) === null) {
        throw new LabdeckError('environment-not-ready', `${path.basename(image.file)} in the pack did not load as ${image.name}.`, {
          action: 'Get the pack again from the instructor and open it again.',
        });
      }
      result.loaded.push(image.name);
    }
    done += image.size;
    onProgress({ percent: Math.round((done / total) * 100), message: `${image.name} is ready`, image: image.name });
  }
  return result;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
