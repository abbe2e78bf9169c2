import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectAirgapImages } from './bundle.ts';
import { BUNDLE_MANIFEST, bundleRequest, missingImagesReport, readBundleManifest, verifyBundle, writeBundle, type BundleRequest } from './bundle-writer.ts';
import { nodeAirgapImages, resolveEnvConfig } from './config.ts';
import { JUMPHOST_IMAGE, K3S_IMAGE, K3S_SYSTEM_IMAGES } from './versions.ts';

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
const options = { labdeckVersion: '9.9.9', k3sVersion: 'v1.33.4+k3s1' };

describe('bundleRequest', () => {
  it('uses the node and jumphost images and exactly the air-gap list `env up` uses', () => {
    const config = resolveEnvConfig({ workloadImages: ['nginx:1.14.2'] });
    expect(bundleRequest(config)).toEqual({ images: [K3S_IMAGE, JUMPHOST_IMAGE], airgap: nodeAirgapImages(config) });
    expect(nodeAirgapImages(config)).toEqual([...K3S_SYSTEM_IMAGES, 'nginx:1.14.2']);
  });
});

describe('writeBundle', () => {
  let dir: string;
  let docker: FakeDocker;
  const request: BundleRequest = { images: ['rancher/k3s:v1', 'labdeck/jumphost:1'], airgap: ['rancher/mirrored-pause:3.6', 'nginx:1.14.2'] };

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
    docker.add('rancher/k3s:v1', 'sha256:k3s');
    docker.images.get('rancher/k3s:v1')!.repoDigests = [`docker.io/library/other@sha256:${'c'.repeat(64)}`, `rancher/k3s@${digest}`];
    docker.add('labdeck/jumphost:1', 'sha256:jump');
    const result = await writeBundle(docker as unknown as Docker, dir, { images: ['rancher/k3s:v1', 'labdeck/jumphost:1'], airgap: [] }, options);
    const digestOf = (name: string) => result.manifest.images.find((entry) => entry.name === name)?.registryDigest;
    expect(digestOf('rancher/k3s:v1')).toBe(digest);
    // Built here, never pulled: no digest to pin.
    expect(digestOf('labdeck/jumphost:1')).toBeUndefined();
  });

  it('writes the layout the loader reads, with a manifest, and skips up-to-date files on a second run', async () => {
    for (const name of [...request.images, ...request.airgap]) docker.add(name, `sha256:${name.length}`);
    const first = await write();
    expect(first.missing).toEqual([]);
    expect(first.items.map((item) => [item.file, item.status])).toEqual([
      ['images/rancher_k3s_v1.tar', 'written'],
      ['images/labdeck_jumphost_1.tar', 'written'],
      ['airgap/rancher_mirrored-pause_3.6.tar', 'written'],
      ['airgap/nginx_1.14.2.tar', 'written'],
    ]);
    expect(await fs.readFile(path.join(dir, 'images/labdeck_jumphost_1.tar'), 'utf8')).toBe(docker.images.get('labdeck/jumphost:1')?.tar);
    const manifest = await readBundleManifest(dir);
    expect(manifest).toMatchObject({ format: 1, labdeckVersion: '9.9.9', k3sVersion: 'v1.33.4+k3s1' });
    const nginx = manifest?.images.find((entry) => entry.name === 'nginx:1.14.2');
    const nginxTar = docker.images.get('nginx:1.14.2')?.tar ?? '';
    expect(nginx).toEqual({ name: 'nginx:1.14.2', section: 'airgap', file: 'airgap/nginx_1.14.2.tar', imageId: 'sha256:12', size: nginxTar.length, sha256: sha256(nginxTar) });

    // The loader sees the same files this run wrote.
    const selection = await selectAirgapImages(docker as unknown as Docker, request.airgap, { bundleDir: dir, cacheDir: path.join(dir, 'cache') });
    expect(selection.files.map((file) => file.name)).toEqual(['nginx_1.14.2.tar', 'rancher_mirrored-pause_3.6.tar']);
    expect(selection.missing).toEqual([]);

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
    expect(result.missing.map((item) => item.name)).toEqual(['rancher/k3s:v1', 'rancher/mirrored-pause:3.6']);
    expect(result.manifest.images.map((entry) => entry.file)).toEqual(['images/labdeck_jumphost_1.tar', 'airgap/nginx_1.14.2.tar']);
    await expect(fs.readdir(path.join(dir, 'images'))).resolves.toEqual(['labdeck_jumphost_1.tar']);

    const report = missingImagesReport(result.missing, { dir, k3sVersion: 'v1.33.4+k3s1', rerun: 'labdeck env bundle --out course' });
    expect(report).toBe(
      [
        '2 images are not on this Docker engine, so the bundle lacks them:',
        '  docker pull rancher/k3s:v1',
        '  docker pull rancher/mirrored-pause:3.6',
        'Then run `labdeck env bundle --out course` again (or add --pull); files already written are skipped.',
        `Instead of the rancher/* system images you can put the k3s release asset k3s-airgap-images-amd64.tar.zst (https://github.com/k3s-io/k3s/releases/tag/v1.33.4%2Bk3s1) into ${path.join(dir, 'airgap')}/.`,
        '',
      ].join('\n'),
    );
    expect(missingImagesReport([], { dir, k3sVersion: 'v1', rerun: 'x' })).toBe('');

    // The jumphost image was pruned from the engine after the first run: its file stays, described as before.
    docker.images.delete('labdeck/jumphost:1');
    const again = await write();
    expect(again.items.find((item) => item.name === 'labdeck/jumphost:1')?.status).toBe('kept');
    expect(again.manifest.images.find((entry) => entry.name === 'labdeck/jumphost:1')?.imageId).toBe('sha256:j');
  });

  it('treats rancher/* air-gap images as covered when the k3s release asset is in airgap/, and describes that file', async () => {
    await fs.mkdir(path.join(dir, 'airgap'), { recursive: true });
    await fs.writeFile(path.join(dir, 'airgap', 'k3s-airgap-images-amd64.tar.zst'), 'zstd bytes');
    docker.add('rancher/k3s:v1', 'sha256:k');
    docker.add('labdeck/jumphost:1', 'sha256:j');
    docker.add('nginx:1.14.2', 'sha256:n');
    const result = await write();
    expect(result.missing).toEqual([]);
    expect(result.items.find((item) => item.name === 'rancher/mirrored-pause:3.6')?.status).toBe('covered');
    expect(result.manifest.images.find((entry) => entry.file === 'airgap/k3s-airgap-images-amd64.tar.zst')).toMatchObject({ imageId: null, sha256: sha256('zstd bytes') });
  });

  it('pulls missing images with pull, and reports the ones the registry refuses', async () => {
    docker.add('rancher/k3s:v1', 'sha256:k');
    docker.add('labdeck/jumphost:1', 'sha256:j');
    docker.registry.set('nginx:1.14.2', { id: 'sha256:n', tar: 'nginx' });
    const logs: string[] = [];
    const result = await writeBundle(docker as unknown as Docker, dir, request, { ...options, pull: true, onLog: (line) => logs.push(line) });
    expect(docker.pulled).toEqual(['rancher/mirrored-pause:3.6', 'nginx:1.14.2']);
    expect(result.items.find((item) => item.name === 'nginx:1.14.2')).toMatchObject({ status: 'written', pulled: true });
    expect(result.missing).toEqual([expect.objectContaining({ name: 'rancher/mirrored-pause:3.6', error: 'registry unreachable' })]);
    expect(logs).toContain('docker pull nginx:1.14.2');
    expect(missingImagesReport(result.missing, { dir, k3sVersion: 'v1', rerun: 'r' })).toContain('docker pull rancher/mirrored-pause:3.6    # pull failed: registry unreachable');
  });

  it('leaves neither a half file nor a .partial when saving fails midway', async () => {
    docker.add('rancher/k3s:v1', 'sha256:k');
    docker.failSaveAfterFirstChunk = true;
    await expect(write()).rejects.toThrow('engine went away');
    await expect(fs.readdir(path.join(dir, 'images'))).resolves.toEqual([]);
  });

  it('removes .partial leftovers of an interrupted run', async () => {
    await fs.mkdir(path.join(dir, 'airgap'), { recursive: true });
    await fs.writeFile(path.join(dir, 'airgap', 'nginx_1.14.2.tar.partial'), 'half');
    await write();
    await expect(fs.readdir(path.join(dir, 'airgap'))).resolves.toEqual([]);
  });

  it('verifyBundle reports changed and absent files', async () => {
    docker.add('labdeck/jumphost:1', 'sha256:j');
    docker.add('nginx:1.14.2', 'sha256:n');
    await write();
    await fs.appendFile(path.join(dir, 'images', 'labdeck_jumphost_1.tar'), '!');
    await fs.rm(path.join(dir, 'airgap', 'nginx_1.14.2.tar'));
    const problems = await verifyBundle(dir);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^images\/labdeck_jumphost_1\.tar: \d+ bytes, expected \d+$/);
    expect(problems[1]).toBe('airgap/nginx_1.14.2.tar: missing');
    await fs.rm(path.join(dir, BUNDLE_MANIFEST));
    expect(await verifyBundle(dir)).toEqual([`${path.join(dir, BUNDLE_MANIFEST)} is missing or unreadable`]);
  });
});
