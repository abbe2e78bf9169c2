import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { LabdeckError } from '../../common/errors.ts';
import { readBundleManifest } from '../env/bundle-writer.ts';
import type { EnvConfig } from '../env/config.ts';
import { loadCourse } from '../labs/lab-catalog.ts';
import { lintLabs } from '../labs/lint.ts';
import { formatProblem } from '../labs/yaml-source.ts';
import { listCourseFiles } from './course-files.ts';
import { archiveArchitecture } from './image-archive.ts';
import { requireKeyName, sign, signerOf, type SigningKey } from './keys.ts';
import { COURSE_PREFIX, IMAGES_PREFIX, PACK_FORMAT, PACK_MANIFEST, PACK_SIGNATURE, type PackEntry, type PackManifest } from './pack-manifest.ts';

export interface WritePackOptions {
  courseDir: string;
  out: string;
  /** Signs the manifest; without it the pack is unsigned and opens only as "trusted like code". */
  key?: SigningKey;
  /** Bundle folders (layout of `labdeck env bundle`), one per CPU architecture. */
  imageDirs: readonly string[];
  /** Architectures the pack must carry images for; default: whatever the bundles hold. */
  architectures?: readonly string[];
  environment: EnvConfig;
  labdeckVersion: string;
  onProgress?: (line: string) => void;
}

interface PlannedEntry extends Omit<PackEntry, 'sha256'> {
  absolute: string;
}

const LARGE_FILE = 8 * 1024 * 1024;

/** Refuses a course that lint finds problems in: a pack is what attendees get, it must load. */
async function requireCleanLint(courseDir: string): Promise<void> {
  const report = await lintLabs(courseDir);
  if (report.problems.length === 0) return;
  const shown = report.problems.slice(0, 20).map(formatProblem);
  if (report.problems.length > shown.length) shown.push(`… and ${report.problems.length - shown.length} more`);
  throw new LabdeckError('invalid-request', `The course in ${courseDir} has ${report.problems.length} lint problem(s); it is not packed:\n${shown.join('\n')}`, {
    action: `Fix them (\`labdeck lint ${courseDir}\` lists them all), then pack again.`,
    details: { problems: report.problems },
  });
}

/** The image files of each bundle folder, placed under images/<arch>/, with the architecture read from them. */
async function planImages(imageDirs: readonly string[], requested: readonly string[] | undefined, log: (line: string) => void): Promise<{ entries: PlannedEntry[]; architectures: string[] }> {
  const entries: PlannedEntry[] = [];
  const found = new Set<string>();
  for (const dir of imageDirs) {
    const manifest = await readBundleManifest(dir);
    if (!manifest) {
      throw new LabdeckError('not-found', `${dir} is not an image bundle (no readable bundle.json).`, { action: `Write one with \`labdeck env bundle --out ${dir}\`, or leave out --images-from to save the images from this Docker engine.` });
    }
    const archOf = new Map<string, string>();
    for (const image of manifest.images) {
      log(`reading the architecture of ${image.file}`);
      const arch = await archiveArchitecture(path.join(dir, image.file));
      if (arch) archOf.set(image.file, arch);
    }
    const arches = new Set(archOf.values());
    if (arches.size > 1) {
      throw new LabdeckError('invalid-request', `${dir} mixes images of several CPU architectures (${[...arches].join(', ')}).`, { action: 'Write one bundle per architecture and pass each with its own --images-from.' });
    }
    const arch = [...arches][0];
    if (!arch) throw new LabdeckError('invalid-request', `The CPU architecture of the images in ${dir} cannot be read.`, { action: 'Write the bundle again with `labdeck env bundle`; its files are docker save archives.' });
    if (found.has(arch)) throw new LabdeckError('invalid-request', `Two --images-from folders hold ${arch} images.`, { action: 'Pass one bundle folder per architecture.' });
    found.add(arch);
    if (requested && !requested.includes(arch)) {
      log(`skipping ${dir}: its images are ${arch}, not one of --arch ${requested.join(',')}`);
      continue;
    }
    for (const image of manifest.images) {
      entries.push({ path: `${IMAGES_PREFIX}${arch}/${image.file}`, size: image.size, image: image.name, arch, absolute: path.join(dir, image.file) });
    }
  }
  const missing = (requested ?? []).filter((arch) => !found.has(arch));
  if (missing.length > 0) {
    throw new LabdeckError('not-found', `No images for ${missing.join(', ')}: the bundles given hold ${[...found].join(', ') || 'no images'}.`, {
      action: `Docker saves images for one architecture at a time. On a ${missing[0]} machine (or after \`docker pull --platform linux/${missing[0]} …\` of each image) run \`labdeck env bundle --out bundle-${missing[0]}\`, then pass every bundle with --images-from.`,
    });
  }
  return { entries, architectures: [...found].filter((arch) => !requested || requested.includes(arch)).sort() };
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`;
}

/** Streams one file into the tar, hashing on the way; large files report progress every 10 %. */
async function addFile(packStream: tar.Pack, entry: PlannedEntry, log: (line: string) => void): Promise<string> {
  const hash = crypto.createHash('sha256');
  let written = 0;
  let reported = 0;
  const large = entry.size >= LARGE_FILE;
  if (large) log(`${entry.path} 0% of ${sizeText(entry.size)}`);
  await new Promise<void>((resolve, reject) => {
    const sink = packStream.entry({ name: entry.path, size: entry.size, mode: 0o644, mtime: new Date(0) }, (error) => (error ? reject(error) : resolve()));
    pipeline(
      fs.createReadStream(entry.absolute),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          written += chunk.length;
          const percent = Math.floor((written / entry.size) * 10) * 10;
          if (large && percent > reported) {
            reported = percent;
            log(`${entry.path} ${percent}% of ${sizeText(entry.size)}`);
          }
          done(null, chunk);
        },
      }),
      sink,
    ).catch(reject);
  });
  if (written !== entry.size) {
    throw new LabdeckError('conflict', `${entry.absolute} changed while it was being packed.`, { action: 'Pack again once nothing writes to the course or bundle folders.' });
  }
  return hash.digest('hex');
}

/**
 * Writes the course pack: lints the course (refusing on problems), then one tar with course/…, images/<arch>/…,
 * labdeck-pack.json (every entry's sha256, the course's branding, the Kubernetes release, node image and
 * topology) and, with a
 * key, labdeck-pack.sig (Ed25519 over the manifest's bytes). Written to <out>.partial and renamed, so <out>
 * never holds half a pack.
 */
export async function writePack(options: WritePackOptions): Promise<{ file: string; manifest: PackManifest }> {
  const log = options.onProgress ?? (() => undefined);
  // The publisher name attendees will see: printable text of bounded length, refused otherwise (issue 21).
  if (options.key) requireKeyName(options.key.name);
  log(`linting ${options.courseDir}`);
  await requireCleanLint(options.courseDir);
  const { course } = await loadCourse(path.resolve(options.courseDir), options.courseDir);

  const out = path.resolve(options.out);
  const courseFiles = await listCourseFiles(options.courseDir, [out, `${out}.partial`]);
  const planned: PlannedEntry[] = courseFiles.map((file) => ({ path: `${COURSE_PREFIX}${file.relative}`, size: file.size, absolute: file.absolute }));
  const logo = course.branding?.logo;
  if (logo !== undefined && !courseFiles.some((file) => file.relative === logo)) {
    throw new LabdeckError('not-found', `course.yaml names the logo "${logo}", which is not a file of the course.`, { action: 'Put the logo into the course folder and name it relative to course.yaml.' });
  }
  const images = await planImages(options.imageDirs, options.architectures, log);
  planned.push(...images.entries);

  const temporary = `${out}.partial`;
  await fsp.mkdir(path.dirname(out), { recursive: true });
  const packStream = tar.pack();
  const written = pipeline(packStream, fs.createWriteStream(temporary));
  const entries: PackEntry[] = [];
  try {
    log(`course: ${courseFiles.length} files`);
    for (const entry of planned) {
      const { absolute, ...described } = entry;
      void absolute;
      entries.push({ ...described, sha256: await addFile(packStream, entry, log) });
    }
    const config = options.environment;
    const manifest: PackManifest = {
      format: PACK_FORMAT,
      createdAt: new Date().toISOString(),
      labdeckVersion: options.labdeckVersion,
      course: {
        id: course.id,
        title: course.title,
        ...(course.version === undefined ? {} : { version: course.version }),
        ...(course.organization === undefined ? {} : { organization: course.organization }),
        branding: {
          name: course.branding?.name ?? course.title,
          ...(logo === undefined ? {} : { logo: `${COURSE_PREFIX}${logo}` }),
          ...(course.branding?.accentColor === undefined ? {} : { accentColor: course.branding.accentColor }),
        },
      },
      environment: {
        kubernetesVersion: config.kubernetes.version,
        nodeImage: config.kubernetes.nodeImage,
        jumphostImage: config.jumphost.image,
        subnet: config.network.subnet,
        nodes: config.nodes.map(({ name, role, ip }) => ({ name, role, ip })),
        workloadImages: config.workloadImages,
      },
      architectures: images.architectures,
      entries,
      ...(options.key ? { publisher: signerOf(options.key) } : {}),
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    packStream.entry({ name: PACK_MANIFEST, mode: 0o644, mtime: new Date(0) }, manifestBytes);
    if (options.key) packStream.entry({ name: PACK_SIGNATURE, mode: 0o644, mtime: new Date(0) }, `${sign(manifestBytes, options.key)}\n`);
    packStream.finalize();
    await written;
    await fsp.rename(temporary, out);
    log(`wrote ${out} (${entries.length} entries${options.key ? `, signed by ${options.key.name}` : ', unsigned'})`);
    return { file: out, manifest };
  } catch (error) {
    packStream.destroy();
    await written.catch(() => undefined);
    await fsp.rm(temporary, { force: true });
    throw error;
  }
}
