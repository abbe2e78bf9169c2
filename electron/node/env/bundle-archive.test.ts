import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { archiveTags } from './bundle-archive.ts';
import { bundleImagePath, ensureImage, pullImage } from './bundle.ts';
import { pinnedReference } from './versions.ts';

// `docker load` creates every tag an archive names, re-pointing tags the attendee may use elsewhere; a
// bundle file may only create the image it is for, and must hold the image bundle.json recorded.

const image = 'flannel/flannel:v0.26.7';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-bundle-archive-'));
  await mkdir(path.join(dir, 'images'), { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small `docker save`-shaped archive naming the given tags. */
async function writeArchive(file: string, files: Record<string, unknown>): Promise<void> {
  const pack = tar.pack();
  pack.entry({ name: 'blobs/sha256/aaaa' }, 'layer bytes');
  for (const [name, content] of Object.entries(files)) pack.entry({ name }, JSON.stringify(content));
  pack.finalize();
  await pipeline(pack, createWriteStream(file));
}

/** A Docker engine that has nothing until a load, then the image with `loadedId`. */
function fakeDocker(loadedId: string) {
  let loaded = false;
  const loadImage = vi.fn(async () => {
    loaded = true;
    return Readable.from([]);
  });
  const docker = {
    getImage: () => ({
      inspect: async () => {
        if (!loaded) throw new Error('no such image');
        return { Id: loadedId };
      },
    }),
    loadImage,
    modem: { followProgress: (_stream: unknown, done: (error: Error | null, output: unknown[]) => void) => done(null, []) },
  } as unknown as Docker;
  return { docker, loadImage };
}

async function writeBundleJson(imageId: string | null, name = image): Promise<void> {
  const file = path.relative(dir, bundleImagePath(dir, image)).split(path.sep).join('/');
  await writeFile(path.join(dir, 'bundle.json'), JSON.stringify({ format: 1, images: [{ name, file, imageId, size: 1, sha256: 'x' }] }));
}

describe('bundle image archives', () => {
  it('reads the tags an archive would create from manifest.json, repositories and index.json', async () => {
    const file = path.join(dir, 'x.tar');
    await writeArchive(file, {
      'manifest.json': [{ Config: 'c', RepoTags: [image], Layers: [] }],
      repositories: { 'evil/shell': { latest: 'abc' } },
      'index.json': { manifests: [{ annotations: { 'io.containerd.image.name': 'docker.io/library/nginx:latest' } }] },
    });
    expect((await archiveTags(file)).tags.sort()).toEqual(['docker.io/library/nginx:latest', 'evil/shell:latest', image]);
  });

  it('refuses, before loading anything, an archive that would also create another tag', async () => {
    await writeArchive(bundleImagePath(dir, image), { 'manifest.json': [{ Config: 'c', RepoTags: [image, 'nginx:latest'], Layers: [] }] });
    const { docker, loadImage } = fakeDocker('sha256:1');
    await expect(ensureImage(docker, image, { bundleDir: dir, allowPull: false })).rejects.toMatchObject({
      message: expect.stringContaining('nginx:latest'),
      action: expect.stringContaining(`docker save ${image}`),
    });
    expect(loadImage).not.toHaveBeenCalled();
  });

  it('refuses an archive without a manifest (Labdeck cannot tell what it would create)', async () => {
    await writeArchive(bundleImagePath(dir, image), { repositories: { 'flannel/flannel': { 'v0.26.7': 'abc' } } });
    const { docker, loadImage } = fakeDocker('sha256:1');
    await expect(ensureImage(docker, image, { bundleDir: dir, allowPull: false })).rejects.toThrow(/no manifest\.json/);
    expect(loadImage).not.toHaveBeenCalled();
  });

  it('loads an archive that creates exactly its image, and checks the id bundle.json recorded', async () => {
    await writeArchive(bundleImagePath(dir, image), { 'manifest.json': [{ Config: 'c', RepoTags: [`docker.io/${image}`], Layers: [] }] });
    await writeBundleJson('sha256:1');
    const { docker, loadImage } = fakeDocker('sha256:1');
    expect(await ensureImage(docker, image, { bundleDir: dir, allowPull: false })).toBe('bundle');
    expect(loadImage).toHaveBeenCalledOnce();
  });

  it('fails when the loaded image is not the one bundle.json recorded (a swapped file)', async () => {
    await writeArchive(bundleImagePath(dir, image), { 'manifest.json': [{ Config: 'c', RepoTags: [image], Layers: [] }] });
    await writeBundleJson('sha256:1');
    const { docker } = fakeDocker('sha256:2');
    await expect(ensureImage(docker, image, { bundleDir: dir, allowPull: false })).rejects.toThrow(/bundle\.json expects sha256:1/);
  });

  it('refuses a file that bundle.json lists for another image', async () => {
    await writeArchive(bundleImagePath(dir, image), { 'manifest.json': [{ Config: 'c', RepoTags: [image], Layers: [] }] });
    await writeBundleJson('sha256:1', 'busybox:latest');
    const { docker, loadImage } = fakeDocker('sha256:1');
    await expect(ensureImage(docker, image, { bundleDir: dir, allowPull: false })).rejects.toThrow(/listed in bundle\.json as busybox:latest/);
    expect(loadImage).not.toHaveBeenCalled();
  });
});

describe('digest pinning', () => {
  const digest = `sha256:${'a'.repeat(64)}`;

  it('pulls by digest where one is pinned, then puts the familiar tag on it', async () => {
    const pulled: string[] = [];
    const tagged: unknown[] = [];
    const docker = {
      pull: async (reference: string) => {
        pulled.push(reference);
        return Readable.from([]);
      },
      getImage: (reference: string) => ({ tag: async (options: unknown) => void tagged.push([reference, options]) }),
      modem: { followProgress: (_stream: unknown, done: (error: Error | null) => void) => done(null) },
    } as unknown as Docker;
    await pullImage(docker, image, { [image]: digest });
    expect(pulled).toEqual([`flannel/flannel@${digest}`]);
    expect(tagged).toEqual([[`flannel/flannel@${digest}`, { repo: 'flannel/flannel', tag: 'v0.26.7' }]]);
  });

  it("pulls the digest the course bundle recorded from the instructor's engine when the image file is missing", async () => {
    const pulled: string[] = [];
    const docker = {
      pull: async (reference: string) => {
        pulled.push(reference);
        return Readable.from([]);
      },
      getImage: () => ({ inspect: async () => Promise.reject(new Error('No such image')), tag: async () => undefined }),
      modem: { followProgress: (_stream: unknown, done: (error: Error | null) => void) => done(null) },
    } as unknown as Docker;
    await writeFile(
      path.join(dir, 'bundle.json'),
      JSON.stringify({ format: 1, images: [{ name: 'docker.io/flannel/flannel:v0.26.7', file: 'images/gone.tar', imageId: 'sha256:1', registryDigest: digest }] }),
    );
    expect(await ensureImage(docker, image, { bundleDir: dir, allowPull: true })).toBe('pulled');
    expect(pulled).toEqual([`flannel/flannel@${digest}`]);
    // Without a recorded digest it can only go by the tag.
    await writeFile(path.join(dir, 'bundle.json'), JSON.stringify({ format: 1, images: [] }));
    await ensureImage(docker, image, { bundleDir: dir, allowPull: true });
    expect(pulled.at(-1)).toBe(image);
  });

  it('keeps the tag where no digest is known, and refuses a malformed one', () => {
    expect(pinnedReference('nginx:1.14.2', {})).toBe('nginx:1.14.2');
    expect(pinnedReference('registry.local:5000/x:1', { 'registry.local:5000/x:1': digest })).toBe(`registry.local:5000/x@${digest}`);
    expect(() => pinnedReference(image, { [image]: 'latest' })).toThrow(/not a sha256 digest/);
  });
});
