import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { LabdeckError } from '../../common/errors.ts';

/**
 * What a bundle's image archive would do to the Docker engine, read before `docker load` runs it. A
 * `docker save` archive names the tags it creates (manifest.json RepoTags, the legacy `repositories` file,
 * OCI index.json annotations); `docker load` creates all of them, and would silently re-point any tag on
 * the engine, e.g. one the attendee's other projects use. A bundle file may only create the image it is
 * for, as bundle.json lists it.
 */
export async function archiveTags(file: string): Promise<{ tags: string[]; hasManifest: boolean }> {
  const tags = new Set<string>();
  let hasManifest = false;
  const extract = tar.extract();
  const wanted = new Set(['manifest.json', 'repositories', 'index.json']);
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (!wanted.has(name) || (header.size ?? 0) > 4 * 1024 * 1024) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
    stream.on('end', () => {
      collectTags(name, Buffer.concat(chunks).toString('utf8'), tags);
      if (name === 'manifest.json') hasManifest = true;
      next();
    });
  });
  await pipeline(fs.createReadStream(file), extract);
  return { tags: [...tags], hasManifest };
}

function collectTags(name: string, text: string, tags: Set<string>): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // An unreadable file is judged by what it lacks: without a readable manifest.json the archive is refused.
    return;
  }
  if (name === 'manifest.json' && Array.isArray(parsed)) {
    for (const entry of parsed as { RepoTags?: unknown }[]) {
      for (const tag of Array.isArray(entry?.RepoTags) ? entry.RepoTags : []) if (typeof tag === 'string') tags.add(tag);
    }
  } else if (name === 'repositories' && parsed && typeof parsed === 'object') {
    for (const [repository, byTag] of Object.entries(parsed as Record<string, unknown>)) {
      for (const tag of Object.keys(byTag && typeof byTag === 'object' ? byTag : {})) tags.add(`${repository}:${tag}`);
    }
  } else if (name === 'index.json' && parsed && typeof parsed === 'object') {
    for (const manifest of ((parsed as { manifests?: unknown }).manifests as { annotations?: Record<string, unknown> }[] | undefined) ?? []) {
      const named = manifest?.annotations?.['io.containerd.image.name'];
      if (typeof named === 'string') tags.add(named);
    }
  }
}

/** Docker names `nginx:1.14.2` and `docker.io/library/nginx:1.14.2` alike. */
export function normalizeTag(tag: string): string {
  let name = tag.replace(/^docker\.io\//, '');
  if (name.startsWith('library/')) name = name.slice('library/'.length);
  return name;
}

/** bundle.json's image entries as written (fields checked where read), or none when it is missing or broken. */
async function bundleImageEntries(bundleDir: string): Promise<Array<Record<string, unknown>>> {
  try {
    const images = (JSON.parse(await fsp.readFile(path.join(bundleDir, 'bundle.json'), 'utf8')) as { images?: unknown }).images;
    return Array.isArray(images) ? images.filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null) : [];
  } catch {
    return [];
  }
}

/** The bundle.json entry of one file, if the bundle has one. */
export async function bundleEntryFor(bundleDir: string, file: string): Promise<{ name: string; imageId: string | null } | null> {
  const relative = path.relative(bundleDir, file).split(path.sep).join('/');
  const entry = (await bundleImageEntries(bundleDir)).find((candidate) => candidate.file === relative);
  if (!entry || typeof entry.name !== 'string') return null;
  return { name: entry.name, imageId: typeof entry.imageId === 'string' ? entry.imageId : null };
}

/**
 * The registry digest bundle.json records for `image` (written by `labdeck env bundle` from the instructor's
 * engine), or null. Read only as a pin: a pull by this digest gets the very image the instructor bundled.
 */
export async function bundledRegistryDigest(bundleDir: string, image: string): Promise<string | null> {
  for (const entry of await bundleImageEntries(bundleDir)) {
    if (typeof entry.name !== 'string' || normalizeTag(entry.name) !== normalizeTag(image)) continue;
    if (typeof entry.registryDigest === 'string' && /^sha256:[a-f0-9]{64}$/.test(entry.registryDigest)) return entry.registryDigest;
  }
  return null;
}

/**
 * Refuses an archive that would create any tag but `image`, or whose bundle.json entry is for another image.
 * Throws a LabdeckError that says what to do; returns the image id bundle.json expects, if it records one.
 */
export async function checkBundleArchive(bundleDir: string, file: string, image: string): Promise<string | null> {
  const entry = await bundleEntryFor(bundleDir, file);
  if (entry && normalizeTag(entry.name) !== normalizeTag(image)) {
    throw new LabdeckError('environment-not-ready', `${file} is listed in bundle.json as ${entry.name}, not ${image}.`, {
      action: 'The bundle is inconsistent; ask your instructor for a fresh copy, or rewrite it with `labdeck env bundle --out <dir>`.',
    });
  }
  const { tags, hasManifest } = await archiveTags(file);
  if (!hasManifest) {
    throw new LabdeckError('environment-not-ready', `${file} is not a \`docker save\` archive (it has no manifest.json), so Labdeck cannot tell what loading it would change.`, {
      action: `Recreate it with \`docker save ${image} -o ${file}\`.`,
    });
  }
  const foreign = tags.filter((tag) => normalizeTag(tag) !== normalizeTag(image));
  if (foreign.length > 0) {
    throw new LabdeckError('environment-not-ready', `${file} would also create or replace ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''}; a bundle file may only create ${image}. Nothing was loaded.`, {
      action: `Recreate it with \`docker save ${image} -o ${file}\` (one image per file), or ask your instructor for a fresh bundle.`,
    });
  }
  return entry?.imageId ?? null;
}
