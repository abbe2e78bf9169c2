import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { LabdeckError } from '../../common/errors.ts';
import { bundleFileName, pullImage } from './bundle.ts';
import { normalizeTag } from './bundle-archive.ts';
import { mirrorImages, type EnvConfig } from './config.ts';
import { dockerHostDescription, dockerUnreachableAction } from './docker-client.ts';
import { repositoryOf } from './versions.ts';

/**
 * Produces the offline course bundle that bundle.ts consumes: `docker save` of every image the lab needs
 * into images/, plus bundle.json describing each file (image id, size, sha256) so a re-run skips up-to-date
 * files and a copy can be verified. Only reads images (and, with pull, pulls missing ones); never removes or
 * changes other Docker objects.
 */

export const BUNDLE_MANIFEST = 'bundle.json';
/** The one folder of a bundle: `docker save` archives, one image each. */
export const BUNDLE_IMAGES_DIR = 'images';

export interface BundleRequest {
  /**
   * Loaded with `docker load` when the engine lacks them: the node, jumphost and registry mirror images, and
   * the system and workload images `env up` pushes into the registry mirror.
   */
  images: string[];
}

export interface BundleManifestEntry {
  name: string;
  /** Path relative to the bundle folder, with "/" separators, e.g. images/labdeck_jumphost_1.1.0.tar. */
  file: string;
  /** Image id on the engine that saved it; null for files found in the bundle but not saved by Labdeck. */
  imageId: string | null;
  /**
   * The registry digest the instructor's engine knows the image by (`sha256:…`), when it came from a
   * registry. An attendee who has to pull the image instead of loading this file pulls exactly that digest.
   */
  registryDigest?: string;
  size: number;
  sha256: string;
}

export interface BundleManifest {
  format: 1;
  labdeckVersion: string;
  kubernetesVersion: string;
  updatedAt: string;
  images: BundleManifestEntry[];
}

export type BundleItemStatus =
  /** Saved by this run. */
  | 'written'
  /** The file already holds the same image id: skipped. */
  | 'up-to-date'
  /** The engine lacks the image, but the bundle already has its file: kept as it is. */
  | 'kept'
  /** Neither the engine nor the bundle has it. */
  | 'missing';

export interface BundleItem {
  name: string;
  file: string;
  status: BundleItemStatus;
  pulled?: boolean;
  /** Why a pull failed (with pull enabled). */
  error?: string;
}

export interface BundleResult {
  dir: string;
  manifest: BundleManifest;
  items: BundleItem[];
  missing: BundleItem[];
}

export interface WriteBundleOptions {
  labdeckVersion: string;
  kubernetesVersion: string;
  /** Pull images the engine lacks before saving them. */
  pull?: boolean;
  onLog?: (line: string) => void;
}

/** What a bundle for this configuration holds: the container images, then the mirror's list `env up` uses. */
export function bundleRequest(config: EnvConfig): BundleRequest {
  return { images: [...new Set([config.kubernetes.nodeImage, config.jumphost.image, config.registry.image, ...mirrorImages(config)])] };
}

export async function readBundleManifest(dir: string): Promise<BundleManifest | null> {
  try {
    const parsed = JSON.parse(await fsp.readFile(path.join(dir, BUNDLE_MANIFEST), 'utf8')) as BundleManifest;
    return Array.isArray(parsed.images) ? parsed : null;
  } catch {
    return null;
  }
}

async function writeManifest(dir: string, manifest: BundleManifest): Promise<void> {
  const file = path.join(dir, BUNDLE_MANIFEST);
  await fsp.writeFile(`${file}.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
  await fsp.rename(`${file}.partial`, file);
}

async function imageId(docker: Docker, image: string): Promise<string | null> {
  try {
    return (await docker.getImage(image).inspect()).Id;
  } catch {
    return null;
  }
}

/** The digest the registry serves `image` by, from the engine's RepoDigests; null for a locally built image. */
async function registryDigest(docker: Docker, image: string): Promise<string | null> {
  try {
    const { RepoDigests } = await docker.getImage(image).inspect();
    const repository = normalizeTag(repositoryOf(image));
    for (const reference of RepoDigests ?? []) {
      const at = reference.lastIndexOf('@');
      const digest = reference.slice(at + 1);
      if (at > 0 && normalizeTag(reference.slice(0, at)) === repository && /^sha256:[a-f0-9]{64}$/.test(digest)) return digest;
    }
    return null;
  } catch {
    return null;
  }
}

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return null;
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) hash.update(chunk);
  });
  return hash.digest('hex');
}

/** `docker save` into file.partial, hashing on the way, then renamed: the final name never holds half a file. */
async function saveImage(docker: Docker, image: string, file: string): Promise<{ size: number; sha256: string }> {
  const temporary = `${file}.partial`;
  const hash = crypto.createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      await docker.getImage(image).get(),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      fs.createWriteStream(temporary),
    );
    await fsp.rename(temporary, file);
  } catch (error) {
    await fsp.rm(temporary, { force: true });
    throw error;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Writes (or brings up to date) the bundle in dir. Missing images are listed in the result, not thrown. */
export async function writeBundle(docker: Docker, dir: string, request: BundleRequest, options: WriteBundleOptions): Promise<BundleResult> {
  try {
    await docker.ping();
  } catch (error) {
    throw new LabdeckError('docker-unavailable', `Docker does not answer at ${dockerHostDescription()}.`, { action: dockerUnreachableAction(), cause: error });
  }
  const log = options.onLog ?? (() => undefined);
  const imagesDir = path.join(dir, BUNDLE_IMAGES_DIR);
  await fsp.mkdir(imagesDir, { recursive: true });
  // Leftovers of an interrupted run; the loader ignores them, but they waste space.
  for (const name of await fsp.readdir(imagesDir)) {
    if (name.endsWith('.partial')) await fsp.rm(path.join(imagesDir, name), { force: true });
  }

  // Entries of earlier runs whose files are still there; this run replaces the ones it saves again.
  const entries = new Map<string, BundleManifestEntry>();
  for (const entry of (await readBundleManifest(dir))?.images ?? []) {
    // Only images/: a folder written by an older Labdeck may list other sections, which nothing reads now.
    if (!entry.file.startsWith(`${BUNDLE_IMAGES_DIR}/`)) continue;
    if ((await fileSize(path.join(dir, entry.file))) !== null) entries.set(entry.file, { name: entry.name, file: entry.file, imageId: entry.imageId, ...(entry.registryDigest ? { registryDigest: entry.registryDigest } : {}), size: entry.size, sha256: entry.sha256 });
  }
  const manifest = (): BundleManifest => ({
    format: 1,
    labdeckVersion: options.labdeckVersion,
    kubernetesVersion: options.kubernetesVersion,
    updatedAt: new Date().toISOString(),
    images: [...entries.values()].sort((a, b) => a.file.localeCompare(b.file)),
  });

  const wanted = [...new Set(request.images)];
  const items: BundleItem[] = [];
  const seenFiles = new Set(wanted.map((name) => `${BUNDLE_IMAGES_DIR}/${bundleFileName(name)}`));
  for (const name of wanted) {
    const file = `${BUNDLE_IMAGES_DIR}/${bundleFileName(name)}`;
    const absolute = path.join(imagesDir, bundleFileName(name));
    const item: BundleItem = { name, file, status: 'missing' };
    let id = await imageId(docker, name);
    if (id === null && options.pull) {
      log(`docker pull ${name}`);
      try {
        await pullImage(docker, name);
        item.pulled = true;
      } catch (error) {
        item.error = error instanceof Error ? error.message : String(error);
        log(`docker pull ${name} failed: ${item.error}`);
      }
      id = await imageId(docker, name);
    }
    const previous = entries.get(file);
    const size = await fileSize(absolute);
    if (id === null) {
      if (size !== null) {
        // Not on this engine, but already in the bundle (e.g. pruned after an earlier run): keep it.
        if (!previous || previous.name !== name) {
          log(`sha256 ${file}`);
          entries.set(file, { name, file, imageId: null, size, sha256: await sha256File(absolute) });
          await writeManifest(dir, manifest());
        }
        item.status = 'kept';
      }
      items.push(item);
      continue;
    }
    if (previous && previous.name === name && previous.imageId === id && previous.size === size) {
      item.status = 'up-to-date';
      items.push(item);
      continue;
    }
    log(`docker save ${name} > ${file}`);
    const saved = await saveImage(docker, name, absolute);
    const digest = await registryDigest(docker, name);
    entries.set(file, { name, file, imageId: id, ...(digest ? { registryDigest: digest } : {}), size: saved.size, sha256: saved.sha256 });
    // After every file, so an interrupted run still skips what it finished.
    await writeManifest(dir, manifest());
    item.status = 'written';
    items.push(item);
  }

  // Files put there by hand (a manual `docker save` of an extra image): described too, so a copy can be verified.
  for (const base of (await fsp.readdir(imagesDir)).sort()) {
    const file = `${BUNDLE_IMAGES_DIR}/${base}`;
    if (!base.endsWith('.tar') || seenFiles.has(file)) continue;
    const absolute = path.join(imagesDir, base);
    const size = await fileSize(absolute);
    const previous = entries.get(file);
    if (size === null || (previous && previous.size === size)) continue;
    log(`sha256 ${file}`);
    entries.set(file, { name: base, file, imageId: null, size, sha256: await sha256File(absolute) });
  }

  const final = manifest();
  await writeManifest(dir, final);
  return { dir, manifest: final, items, missing: items.filter((item) => item.status === 'missing') };
}

/** Re-hashes every file bundle.json lists; returns one line per file that is absent or differs. */
export async function verifyBundle(dir: string, onLog?: (line: string) => void): Promise<string[]> {
  const manifest = await readBundleManifest(dir);
  if (!manifest) return [`${path.join(dir, BUNDLE_MANIFEST)} is missing or unreadable`];
  const problems: string[] = [];
  for (const entry of manifest.images) {
    const file = path.join(dir, entry.file);
    const size = await fileSize(file);
    if (size === null) {
      problems.push(`${entry.file}: missing`);
      continue;
    }
    if (size !== entry.size) {
      problems.push(`${entry.file}: ${size} bytes, expected ${entry.size}`);
      continue;
    }
    onLog?.(`sha256 ${entry.file}`);
    const sha256 = await sha256File(file);
    if (sha256 !== entry.sha256) problems.push(`${entry.file}: sha256 ${sha256}, expected ${entry.sha256}`);
  }
  return problems;
}

/**
 * What to do about missing images: the exact pull commands and the re-run. Labdeck's own images are on no
 * registry; `labdeck env up` builds them (bundle.ts onlineRemedy).
 */
export function missingImagesReport(missing: readonly BundleItem[], options: { rerun: string }): string {
  if (missing.length === 0) return '';
  const lines = [`${missing.length} image${missing.length === 1 ? ' is' : 's are'} not on this Docker engine, so the bundle lacks ${missing.length === 1 ? 'it' : 'them'}:`];
  for (const item of missing) {
    const command = repositoryOf(item.name).startsWith('labdeck/') ? `labdeck env up    # builds ${item.name} on this machine` : `docker pull ${item.name}`;
    lines.push(`  ${command}${item.error ? `    # pull failed: ${item.error}` : ''}`);
  }
  lines.push(`Then run \`${options.rerun}\` again (or add --pull); files already written are skipped.`);
  return `${lines.join('\n')}\n`;
}
