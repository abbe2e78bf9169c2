import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleImagePath, ensureImage } from './bundle.ts';
import { sha256File, verifyBundle, writeBundle, type BundleResult } from './bundle-writer.ts';
import { dockerTestBlocker, TEST_BASE_IMAGE, uniqueSuffix } from './test-docker.ts';
import { JUMPHOST_IMAGE, KUBERNETES_VERSION } from './versions.ts';

const { docker, reason } = await dockerTestBlocker([JUMPHOST_IMAGE, TEST_BASE_IMAGE]);
if (reason) console.warn(`[skip] bundle writer integration tests: ${reason}`);

/** The image id a `docker save` archive carries: its manifest.json's Config blob (classic image store). */
async function archiveImageId(file: string): Promise<string> {
  const extract = tar.extract();
  let manifest = '';
  extract.on('entry', (header, entry, next) => {
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: unknown) => {
      if (header.name === 'manifest.json') chunks.push(chunk as Buffer);
    });
    entry.on('end', () => {
      if (header.name === 'manifest.json') manifest = Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    fs.createReadStream(file).pipe(extract);
  });
  const config = (JSON.parse(manifest) as { Config: string }[])[0]?.Config ?? '';
  return `sha256:${path.basename(config).replace(/\.json$/, '')}`;
}

const suffix = uniqueSuffix();
/** Two images every test engine has, and one no engine has. The full lab's bundle is gigabytes: bundleRequest is unit-tested. */
const ABSENT = `labdeck-it/absent-${suffix}:1`;
const request = { images: [JUMPHOST_IMAGE, TEST_BASE_IMAGE, ABSENT] };

describe.skipIf(reason !== null)('env bundle on a real engine', () => {
  let dir: string;
  let first: BundleResult;

  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-bundle-it-'));
    first = await writeBundle(docker, dir, request, { labdeckVersion: 'test', kubernetesVersion: KUBERNETES_VERSION });
  });
  afterAll(async () => {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('writes the images the engine has where the loader looks, and lists the others as missing', async () => {
    expect(fs.existsSync(bundleImagePath(dir, JUMPHOST_IMAGE))).toBe(true);
    expect(fs.existsSync(bundleImagePath(dir, TEST_BASE_IMAGE))).toBe(true);
    expect(first.items.filter((item) => item.status === 'written').map((item) => item.name)).toEqual([JUMPHOST_IMAGE, TEST_BASE_IMAGE]);
    expect(first.missing.map((item) => item.name)).toEqual([ABSENT]);
    expect(fs.readdirSync(dir).sort()).toEqual(['bundle.json', 'images']);
    expect(fs.readdirSync(path.join(dir, 'images')).some((name) => name.endsWith('.partial'))).toBe(false);
  });

  it('records size, sha256 and the image id each archive really contains', async () => {
    expect(first.manifest.kubernetesVersion).toBe(KUBERNETES_VERSION);
    expect(first.manifest.images.map((entry) => entry.file).sort()).toEqual([JUMPHOST_IMAGE, TEST_BASE_IMAGE].map((image) => `images/${path.basename(bundleImagePath(dir, image))}`).sort());
    for (const entry of first.manifest.images) {
      const file = path.join(dir, entry.file);
      expect((await fsp.stat(file)).size).toBe(entry.size);
      expect(await sha256File(file)).toBe(entry.sha256);
      expect(entry.imageId).toBe((await docker.getImage(entry.name).inspect()).Id);
      expect(await archiveImageId(file)).toBe(entry.imageId);
    }
    expect(await verifyBundle(dir)).toEqual([]);
  });

  it('skips every file on a second run', async () => {
    const before = fs.statSync(bundleImagePath(dir, JUMPHOST_IMAGE)).mtimeMs;
    const second = await writeBundle(docker, dir, request, { labdeckVersion: 'test', kubernetesVersion: KUBERNETES_VERSION });
    expect(second.items.filter((item) => item.status !== 'missing').map((item) => item.status)).toEqual(['up-to-date', 'up-to-date']);
    expect(fs.statSync(bundleImagePath(dir, JUMPHOST_IMAGE)).mtimeMs).toBe(before);
    expect(second.manifest.images.map((entry) => entry.sha256)).toEqual(first.manifest.images.map((entry) => entry.sha256));
  });

  it('round trip: the loader takes a written archive back with docker load, with the same image id', async () => {
    const entry = first.manifest.images.find((image) => image.name === TEST_BASE_IMAGE);
    // Under another tag, so the engine really has to load it (ensureImage leaves present images alone).
    const copy = `labdeck-it/bundle-copy-${suffix}:1`;
    await docker.getImage(TEST_BASE_IMAGE).tag({ repo: `labdeck-it/bundle-copy-${suffix}`, tag: '1' });
    try {
      const copied = await writeBundle(docker, dir, { images: [copy] }, { labdeckVersion: 'test', kubernetesVersion: KUBERNETES_VERSION });
      expect(copied.items.map((item) => item.status)).toEqual(['written']);
      await docker.getImage(copy).remove({ noprune: true });
      expect(await ensureImage(docker, copy, { bundleDir: dir, allowPull: false })).toBe('bundle');
      expect((await docker.getImage(copy).inspect()).Id).toBe(entry?.imageId);
    } finally {
      await docker.getImage(copy).remove({ noprune: true }).catch(() => undefined);
    }
  }, 120_000);
});
