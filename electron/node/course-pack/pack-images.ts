import fsp from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { LabdeckError } from '../../common/errors.ts';
import { checkBundleArchive } from '../env/bundle-archive.ts';
import { imageIdOf, loadImageArchive } from '../env/bundle.ts';
import { readBundleManifest } from '../env/bundle-writer.ts';

export interface PackImagesProgress {
  percent: number;
  message: string;
  image?: string;
}

export interface PackImagesResult {
  /** Loaded now with `docker load`. */
  loaded: string[];
  /** Already on the engine with the id the pack recorded. */
  present: string[];
  /** Air-gap files (k3s system and workload images): copied into the nodes by `env up`, not loaded here. */
  airgap: string[];
}

/**
 * Loads an opened pack's node and jumphost images into the local Docker engine, offline, right when the pack
 * is opened, so Start needs nothing more. Each archive is checked first to create only the tag it is for
 * (bundle-archive.ts), and the loaded image must have the id bundle.json recorded. Progress is by bytes.
 */
export async function loadPackImages(docker: Docker, bundleDir: string, onProgress: (progress: PackImagesProgress) => void): Promise<PackImagesResult> {
  const manifest = await readBundleManifest(bundleDir);
  if (!manifest) {
    throw new LabdeckError('not-found', `The pack's image folder ${bundleDir} has no bundle.json.`, { action: 'Ask the instructor for a pack written with `labdeck pack` (not --no-images).' });
  }
  const result: PackImagesResult = { loaded: [], present: [], airgap: [] };
  const images = manifest.images.filter((entry) => entry.section === 'images');
  result.airgap = manifest.images.filter((entry) => entry.section === 'airgap').map((entry) => entry.name);
  const total = images.reduce((sum, entry) => sum + entry.size, 0) || 1;
  let done = 0;
  for (const entry of images) {
    const file = path.join(bundleDir, ...entry.file.split('/'));
    onProgress({ percent: Math.round((done / total) * 100), message: `Checking ${entry.name}`, image: entry.name });
    const id = await imageIdOf(docker, entry.name);
    if (id !== null && (entry.imageId === null || id === entry.imageId)) {
      result.present.push(entry.name);
    } else {
      await fsp.access(file);
      const expected = await checkBundleArchive(bundleDir, file, entry.name);
      onProgress({ percent: Math.round((done / total) * 100), message: `Loading ${entry.name} into Docker (${formatMegabytes(entry.size)})`, image: entry.name });
      await loadImageArchive(docker, file);
      const loaded = await imageIdOf(docker, entry.name);
      if (loaded === null || (expected !== null && loaded !== expected)) {
        throw new LabdeckError('environment-not-ready', `${entry.file} in the pack did not load as ${entry.name}${loaded ? ` (got id ${loaded})` : ''}.`, {
          action: `Get the pack again from the instructor; then run \`docker rmi ${entry.name}\` and open it again.`,
        });
      }
      result.loaded.push(entry.name);
    }
    done += entry.size;
    onProgress({ percent: Math.round((done / total) * 100), message: `${entry.name} is ready`, image: entry.name });
  }
  return result;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
