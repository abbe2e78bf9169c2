import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPackImages, packImagesFor } from './pack-images.ts';
import type { PackManifest } from './pack-manifest.ts';

/** A `docker save`-shaped archive creating the given tags. */
async function savedArchive(file: string, tags: string[]): Promise<number> {
  const packer = tar.pack();
  packer.entry({ name: 'cfg.json' }, JSON.stringify({ architecture: 'amd64', os: 'linux' }));
  packer.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'cfg.json', RepoTags: tags, Layers: [] }]));
  packer.finalize();
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await pipeline(packer, fs.createWriteStream(file));
  return (await fsp.stat(file)).size;
}

/** Just enough of dockerode: which images exist, and what `docker load` was asked to read. */
function fakeDocker(present: Set<string>, onLoad: (tag: string) => void): Docker {
  return {
    getImage: (name: string) => ({ inspect: async () => (present.has(name) ? { Id: `sha256:${name}` } : Promise.reject(new Error('no such image'))) }),
    loadImage: async (stream: fs.ReadStream) => {
      const file = String(stream.path);
      stream.destroy();
      const tag = path.basename(file) === 'labdeck_tiny_1.tar' ? 'labdeck/tiny:1' : 'other';
      onLoad(tag);
      present.add(tag);
      return {};
    },
    modem: { followProgress: (_stream: unknown, done: (error: Error | null, output: unknown[]) => void) => done(null, []) },
  } as unknown as Docker;
}

describe('loading an opened pack\'s images into Docker', () => {
  let work: string;
  beforeEach(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-pack-images-'));
  });
  afterEach(async () => {
    await fsp.rm(work, { recursive: true, force: true });
  });

  function manifestWith(entries: PackManifest['entries']): PackManifest {
    return { entries, architectures: ['amd64'] } as unknown as PackManifest;
  }

  it('loads every image of this architecture (node, system and workload images alike) and leaves present ones alone', async () => {
    const bundleDir = path.join(work, 'images', 'amd64');
    const size = await savedArchive(path.join(bundleDir, 'images', 'labdeck_tiny_1.tar'), ['labdeck/tiny:1']);
    const manifest = manifestWith([
      { path: 'images/amd64/images/labdeck_tiny_1.tar', size, sha256: 'x', image: 'labdeck/tiny:1', arch: 'amd64' },
      { path: 'images/amd64/images/labdeck_node_v1.33.4.tar', size: 10, sha256: 'x', image: 'labdeck/node:v1.33.4', arch: 'amd64' },
      { path: 'images/amd64/images/registry.k8s.io_pause_3.10.tar', size: 10, sha256: 'x', image: 'registry.k8s.io/pause:3.10', arch: 'amd64' },
      // Outside images/<arch>/images/: not an image file of this bundle layout.
      { path: 'images/amd64/other/nginx_1.tar', size: 10, sha256: 'x', image: 'nginx:1', arch: 'amd64' },
      { path: 'images/arm64/images/labdeck_tiny_1.tar', size, sha256: 'x', image: 'labdeck/tiny:1', arch: 'arm64' },
      { path: 'course/course.yaml', size: 10, sha256: 'x' },
    ]);
    const images = packImagesFor(manifest, bundleDir, 'amd64');
    expect(images).toEqual([
      { name: 'labdeck/tiny:1', file: path.join(bundleDir, 'images', 'labdeck_tiny_1.tar'), size },
      { name: 'labdeck/node:v1.33.4', file: path.join(bundleDir, 'images', 'labdeck_node_v1.33.4.tar'), size: 10 },
      { name: 'registry.k8s.io/pause:3.10', file: path.join(bundleDir, 'images', 'registry.k8s.io_pause_3.10.tar'), size: 10 },
    ]);
    const loaded: string[] = [];
    const progress: number[] = [];
    const present = new Set(['labdeck/node:v1.33.4', 'registry.k8s.io/pause:3.10']);
    const result = await loadPackImages(fakeDocker(present, (tag) => loaded.push(tag)), bundleDir, images, (step) => progress.push(step.percent));
    expect(result).toEqual({ loaded: ['labdeck/tiny:1'], present: ['labdeck/node:v1.33.4', 'registry.k8s.io/pause:3.10'] });
    expect(loaded).toEqual(['labdeck/tiny:1']);
    expect(progress.at(-1)).toBe(100);
  });

  it('refuses an archive that would also re-point another tag, and loads nothing', async () => {
    const bundleDir = path.join(work, 'images', 'amd64');
    const size = await savedArchive(path.join(bundleDir, 'images', 'labdeck_tiny_1.tar'), ['labdeck/tiny:1', 'postgres:16']);
    const images = packImagesFor(manifestWith([{ path: 'images/amd64/images/labdeck_tiny_1.tar', size, sha256: 'x', image: 'labdeck/tiny:1', arch: 'amd64' }]), bundleDir, 'amd64');
    const loaded: string[] = [];
    await expect(loadPackImages(fakeDocker(new Set(), (tag) => loaded.push(tag)), bundleDir, images, () => undefined)).rejects.toThrow(/would also create or replace postgres:16/);
    expect(loaded).toEqual([]);
  });
});
