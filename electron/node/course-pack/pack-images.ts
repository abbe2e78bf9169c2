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
  /** Air-gap files (k3s system and workload images): copied into the nodes by `env up`, not loaded here. */
  airgap: string[];
}

/** One saved image of an opened pack, for this machine's CPU: where it was extracted and what it holds. */
export interface PackImage {
  name: string;
  file: string;
  size: number;
  section: 'images' | 'airgap';
}

/**
 * The saved images of an opened pack for one CPU architecture, from its manifest (whose sha256 of every file
 * was checked when the pack was opened): images/<arch>/images/* are loaded into Docker, images/<arch>/airgap/*
 * go to the nodes.
 */
export function packImagesFor(manifest: PackManifest, bundleDir: string, arch: string): PackImage[] {
  const prefix = `images/${arch}/`;
  return manifest.entries
    .filter((entry) => entry.image !== undefined && entry.arch === arch && entry.path.startsWith(prefix))
    .map((entry) => {
      const relative = entry.path.slice(prefix.length);
      return { name: entry.image!, file: path.join(bundleDir, ...relative.split('/')), size: entry.size, section: relative.startsWith('airgap/') ? 'airgap' : 'images' };
    });
}

/**
 * Loads an opened pack's node and jumphost images into the local Docker engine, offline, right when the pack
 * is opened, so Start needs nothing more. Each archive is checked first to create only the tag it is for
 * (bundle-archive.ts); the file's bytes are the ones the signed manifest lists. An image already on the engine
 * under its name is left alone (the attendee may have pulled it). Progress is by bytes.
 */
export async function loadPackImages(docker: Docker, bundleDir: string, images: readonly PackImage[], onProgress: (progress: PackImagesProgress) => void): Promise<PackImagesResult> {
  const result: PackImagesResult = { loaded: [], present: [], airgap: images.filter((image) => image.section === 'airgap').map((image) => image.name) };
  const toLoad = images.filter((image) => image.section === 'images');
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
