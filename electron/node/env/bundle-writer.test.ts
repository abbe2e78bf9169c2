import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleImagePath } from './bundle.ts';
import { BUNDLE_MANIFEST, bundleRequest, missingImagesReport, readBundleManifest, verifyBundle, writeBundle, type BundleRequest } from './bundle-writer.ts';
import { mirrorImages, resolveEnvConfig } from './config.ts';
import { JUMPHOST_IMAGE, NODE_IMAGE, REGISTRY_IMAGE, SYSTEM_IMAGES } from './versions.ts';

/** A fake engine: images by name with an id and the bytes `docker save` returns; records saves and pulls. */
class FakeDocker {
  readonly images = new Map<string, { id: string; tar: string; repoDigests?: string[] }>();
  readonly saved: string[] = [];
  readonly pulled: string[] = [];
  registry = new Map<string, { id: string; tar: string }>();
  failSaveAfterFirstChunk = false;
  readonly modem = {
    followProgress: (stream: { error?: Error }, done: (error: Error | null) => void) => done(stream.error ?? null),
  };

  ping(): Promise<string> {
    return Promise.resolve('OK');
  }

  getImage(name: string) {
    return {
      inspect: () => {
        const image = this.images.get(name);
        return image ? Promise.resolve({ Id: image.id, RepoDigests: image.repoDigests ?? [] }) : Promise.reject(new Error(`No such image: ${name}`));
      },
      get: () => {
        const image = this.images.get(name);
        if (!image) return Promise.reject(new Error(`No such image: ${name}`));
        this.saved.push(name);
        if (this.failSaveAfterFirstChunk) {
          return Promise.resolve(
            new Readable({
              read() {
                this.push(Buffer.from(image.tar.slice(0, 3)));
                this.destroy(new Error('engine went away'));
              },
            }),
          );
        }
        return Promise.resolve(Readable.from([Buffer.from(image.tar)]));
      },
    };
  }

  pull(name: string): Promise<{ error?: Error }> {
    this.pulled.push(name);
    const image = this.registry.get(name);
    if (!image) return Promise.resolve({ error: new Error('registry unreachable') });
    this.images.set(name, image);
    return Promise.resolve({});
  }

  add(name: string, id: string, tar = `tar of ${name} ${id}`): void {
    this.images.set(name, { id, tar });
  }
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
const options = { labdeckVersion: '9.9.9', kubernetesVersion: 'v1.33.4' };

describe('bundleRequest', () => {
  it('holds every image `env up` needs: node, jumphost and registry, then exactly what it pushes into the mirror', () => {
    const config = resolveEnvConfig({ workloadImages: ['nginx:1.14.2', 'busybox:latest'] });
    expect(bundleRequest(config)).toEqual({ images: [NODE_IMAGE, JUMPHOST_IMAGE, REGISTRY_IMAGE, ...SYSTEM_IMAGES, 'nginx:1.14.2', 'busybox:latest'] });
    expect(mirrorImages(config)).toEqual([...SYSTEM_IMAGES, 'nginx:1.14.2', 'busybox:latest']);
    // Configured images are the ones bundled, each once.
    const custom = resolveEnvConfig({ kubernetes: { nodeImage: 'corp/node:1' }, registry: { image: 'corp/registry:1' }, workloadImages: ['nginx:1.14.2', 'nginx:1.14.2'] });
    const images = bundleRequest(custom).images;
    expect(images.slice(0, 3)).toEqual(['corp/node:1', JUMPHOST_IMAGE, 'corp/registry:1']);
    expect(images.filter((image) => image === 'nginx:1.14.2')).toHaveLength(1);
  });
});

describe('writeBundle', () => {
  let dir: string;
  let docker: FakeDocker;
  const request: BundleRequest = { images: ['labdeck/node:v1', 'labdeck/jumphost:1', 'registry.k8s.io/pause:3.10', 'nginx:1.14.2'] };

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'labdeck-bundle-unit-'));
    docker = new FakeDocker();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const write = (extra: { pull?: boolean } = {}) => writeBundle(docker as unknown as Docker, dir, request, { ...options, ...extra });

  it("records the registry digest an image was pulled by, so attendees who must pull it get the very same image", async () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    docker.add('nginx:1.14.2', 'sha256:nginx');
    docker.images.get('nginx:1.14.2')!.repoDigests = [`docker.io/library/other@sha256:${'c'.repeat(64)}`, `nginx@${digest}`];
    docker.add('labdeck/jumphost:1', 'sha256:jump');
    const result = await writeBundle(docker as unknown as Docker, dir, { images: ['nginx:1.14.2', 'labdeck/jumphost:1'] }, options);
    const digestOf = (name: string) => result.manifest.images.find((entry) => entry.name === name)?.registryDigest;
    expect(digestOf('nginx:1.14.2')).toBe(digest);
    // Built here, never pulled: no digest to pin.
    expect(digestOf('labdeck/jumphost:1')).toBeUndefined();
  });

  it('writes every image into images/, where the loader reads it, with a manifest, and skips up-to-date files on a second run', async () => {
    for (const name of request.images) docker.add(name, `sha256:${name.length}`);
    const first = await write();
    expect(first.missing).toEqual([]);
    expect(first.items.map((item) => [item.file, item.status])).toEqual([
      ['images/labdeck_node_v1.tar', 'written'],
      ['images/labdeck_jumphost_1.tar', 'written'],
      ['images/registry.k8s.io_pause_3.10.tar', 'written'],
      ['images/nginx_1.14.2.tar', 'written'],
    ]);
    // The loader (bundle.ts ensureImage) looks exactly there.
    for (const name of request.images) expect(await fs.readFile(bundleImagePath(dir, name), 'utf8')).toBe(docker.images.get(name)?.tar);
    await expect(fs.readdir(dir)).resolves.toEqual([BUNDLE_MANIFEST, 'images']);
    const manifest = await readBundleManifest(dir);
    expect(manifest).toMatchObject({ format: 1, labdeckVersion: '9.9.9', kubernetesVersion: 'v1.33.4' });
    expect(manifest?.images.map((entry) => entry.file)).toEqual([
      'images/labdeck_jumphost_1.tar',
      'images/labdeck_node_v1.tar',
      'images/nginx_1.14.2.tar',
      'images/registry.k8s.io_pause_3.10.tar',
    ]);
    const nginxTar = docker.images.get('nginx:1.14.2')?.tar ?? '';
    expect(manifest?.images.find((entry) => entry.name === 'nginx:1.14.2')).toEqual({ name: 'nginx:1.14.2', file: 'images/nginx_1.14.2.tar', imageId: 'sha256:12', size: nginxTar.length, sha256: sha256(nginxTar) });

    docker.saved.length = 0;
    const second = await write();
    expect(second.items.every((item) => item.status === 'up-to-date')).toBe(true);
    expect(docker.saved).toEqual([]);

    // A new image id behind the same tag is saved again; nothing else is.
    docker.add('nginx:1.14.2', 'sha256:new');
    const third = await write();
    expect(docker.saved).toEqual(['nginx:1.14.2']);
    expect(third.items.find((item) => item.name === 'nginx:1.14.2')?.status).toBe('written');
    expect(third.manifest.images.find((entry) => entry.name === 'nginx:1.14.2')?.imageId).toBe('sha256:new');
    expect(await verifyBundle(dir)).toEqual([]);
  });

  it('writes what it can, lists missing images with the pull commands, and keeps files the engine no longer has', async () => {
    docker.add('labdeck/jumphost:1', 'sha256:j');
    docker.add('nginx:1.14.2', 'sha256:n');
    const result = await write();
    expect(result.missing.map((item) => item.name)).toEqual(['labdeck/node:v1', 'registry.k8s.io/pause:3.10']);
    expect(result.manifest.images.map((entry) => entry.file)).toEqual(['images/labdeck_jumphost_1.tar', 'images/nginx_1.14.2.tar']);
    await expect(fs.readdir(path.join(dir, 'images'))).resolves.toEqual(['labdeck_jumphost_1.tar', 'nginx_1.14.2.tar']);

    const report = missingImagesReport(result.missing, { rerun: 'labdeck env bundle --out course' });
    expect(report).toBe(
      [
        '2 images are not on this Docker engine, so the bundle lacks them:',
        // Labdeck's own images are on no registry: env up builds them.
        '  labdeck env up    # builds labdeck/node:v1 on this machine',
        '  docker pull registry.k8s.io/pause:3.10',
        'Then run `labdeck env bundle --out course` again (or add --pull); files already written are skipped.',
        '',
      ].join('\n'),
    );
    expect(missingImagesReport([], { rerun: 'x' })).toBe('');

    // The jumphost image was pruned from the engine after the first run: its file stays, described as before.
    docker.images.delete('labdeck/jumphost:1');
    const again = await write();
    expect(again.items.find((item) => item.name === 'labdeck/jumphost:1')?.status).toBe('kept');
    expect(again.manifest.images.find((entry) => entry.name === 'labdeck/jumphost:1')?.imageId).toBe('sha256:j');
  });

  it('describes image archives put into images/ by hand, so a copy can be verified', async () => {
    await fs.mkdir(path.join(dir, 'images'), { recursive: true });
    await fs.writeFile(path.join(dir, 'images', 'corp_extra_1.tar'), 'saved by hand');
    await fs.writeFile(path.join(dir, 'images', 'notes.txt'), 'not an archive');
    for (const name of request.images) docker.add(name, `sha256:${name.length}`);
    const result = await write();
    expect(result.manifest.images.find((entry) => entry.file === 'images/corp_extra_1.tar')).toEqual({ name: 'corp_extra_1.tar', file: 'images/corp_extra_1.tar', imageId: null, size: 13, sha256: sha256('saved by hand') });
    expect(result.manifest.images.some((entry) => entry.file.endsWith('notes.txt'))).toBe(false);
  });

  it('drops what a folder written by an older Labdeck listed outside images/', async () => {
    await fs.mkdir(path.join(dir, 'old'), { recursive: true });
    await fs.writeFile(path.join(dir, 'old', 'nginx_1.14.2.tar'), 'old');
    await fs.writeFile(
      path.join(dir, BUNDLE_MANIFEST),
      JSON.stringify({ format: 1, labdeckVersion: '0.0.9', images: [{ name: 'nginx:1.14.2', section: 'old', file: 'old/nginx_1.14.2.tar', imageId: null, size: 3, sha256: sha256('old') }] }),
    );
    docker.add('nginx:1.14.2', 'sha256:n');
    const result = await writeBundle(docker as unknown as Docker, dir, { images: ['nginx:1.14.2'] }, options);
    expect(result.manifest.images).toEqual([expect.objectContaining({ name: 'nginx:1.14.2', file: 'images/nginx_1.14.2.tar', imageId: 'sha256:n' })]);
    expect(result.manifest.images[0]).not.toHaveProperty('section');
    expect(await verifyBundle(dir)).toEqual([]);
  });

  it('pulls missing images with pull, and reports the ones the registry refuses', async () => {
    docker.add('labdeck/node:v1', 'sha256:k');
    docker.add('labdeck/jumphost:1', 'sha256:j');
    docker.registry.set('nginx:1.14.2', { id: 'sha256:n', tar: 'nginx' });
    const logs: string[] = [];
    const result = await writeBundle(docker as unknown as Docker, dir, request, { ...options, pull: true, onLog: (line) => logs.push(line) });
    expect(docker.pulled).toEqual(['registry.k8s.io/pause:3.10', 'nginx:1.14.2']);
    expect(result.items.find((item) => item.name === 'nginx:1.14.2')).toMatchObject({ status: 'written', pulled: true });
    expect(result.missing).toEqual([expect.objectContaining({ name: 'registry.k8s.io/pause:3.10', error: 'registry unreachable' })]);
    expect(logs).toContain('docker pull nginx:1.14.2');
    expect(missingImagesReport(result.missing, { rerun: 'r' })).toContain('docker pull registry.k8s.io/pause:3.10    # pull failed: registry unreachable');
  });

  it('leaves neither a half file nor a .partial when saving fails midway', async () => {
    docker.add('labdeck/node:v1', 'sha256:k');
    docker.failSaveAfterFirstChunk = true;
    await expect(write()).rejects.toThrow('engine went away');
    await expect(fs.readdir(path.join(dir, 'images'))).resolves.toEqual([]);
  });

  it('removes .partial leftovers of an interrupted run', async () => {
    await fs.mkdir(path.join(dir, 'images'), { recursive: true });
    await fs.writeFile(path.join(dir, 'images', 'nginx_1.14.2.tar.partial'), 'half');
    await write();
    await expect(fs.readdir(path.join(dir, 'images'))).resolves.toEqual([]);
  });

  it('verifyBundle reports changed and absent files', async () => {
    docker.add('labdeck/jumphost:1', 'sha256:j');
    docker.add('nginx:1.14.2', 'sha256:n');
    await write();
    await fs.appendFile(path.join(dir, 'images', 'labdeck_jumphost_1.tar'), '!');
    await fs.rm(path.join(dir, 'images', 'nginx_1.14.2.tar'));
    const problems = await verifyBundle(dir);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^images\/labdeck_jumphost_1\.tar: \d+ bytes, expected \d+$/);
    expect(problems[1]).toBe('images/nginx_1.14.2.tar: missing');
    await fs.rm(path.join(dir, BUNDLE_MANIFEST));
    expect(await verifyBundle(dir)).toEqual([`${path.join(dir, BUNDLE_MANIFEST)} is missing or unreadable`]);
  });
});
