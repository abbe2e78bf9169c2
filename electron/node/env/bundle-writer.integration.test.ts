import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerEnvCommand } from '../../cli/commands/env.ts';
import { bundleAirgapPath, bundleImagePath, loadImageArchive } from './bundle.ts';
import { bundleRequest, sha256File, verifyBundle, writeBundle, type BundleResult } from './bundle-writer.ts';
import { resolveEnvConfig } from './config.ts';
import { dockerTestBlocker, TEST_BASE_IMAGE } from './test-docker.ts';
import { JUMPHOST_IMAGE, K3S_IMAGE, K3S_SYSTEM_IMAGES } from './versions.ts';

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

// The node image (rancher/k3s) and the k3s system images are not on CI engines: they must come out as missing.
const config = resolveEnvConfig({ jumphost: { image: JUMPHOST_IMAGE }, workloadImages: [TEST_BASE_IMAGE] });

describe.skipIf(reason !== null)('env bundle on a real engine', () => {
  let dir: string;
  let first: BundleResult;

  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-bundle-it-'));
    first = await writeBundle(docker, dir, bundleRequest(config), { labdeckVersion: 'test', k3sVersion: config.k3s.version });
  });
  afterAll(async () => {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('writes the images the engine has where the loader looks, and lists the others as missing', async () => {
    const jumphostFile = bundleImagePath(dir, JUMPHOST_IMAGE);
    const baseFile = bundleAirgapPath(dir, TEST_BASE_IMAGE);
    expect(fs.existsSync(jumphostFile)).toBe(true);
    expect(fs.existsSync(baseFile)).toBe(true);
    expect(first.items.filter((item) => item.status === 'written').map((item) => item.name)).toEqual([JUMPHOST_IMAGE, TEST_BASE_IMAGE]);
    expect(first.missing.map((item) => item.name).sort()).toEqual([K3S_IMAGE, ...K3S_SYSTEM_IMAGES].sort());
    expect(fs.readdirSync(path.join(dir, 'images')).concat(fs.readdirSync(path.join(dir, 'airgap'))).some((name) => name.endsWith('.partial'))).toBe(false);
  });

  it('records size, sha256 and the image id each archive really contains', async () => {
    expect(first.manifest.images.map((entry) => entry.file)).toEqual([`images/${path.basename(bundleImagePath(dir, JUMPHOST_IMAGE))}`, `airgap/${path.basename(bundleAirgapPath(dir, TEST_BASE_IMAGE))}`]);
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
    const second = await writeBundle(docker, dir, bundleRequest(config), { labdeckVersion: 'test', k3sVersion: config.k3s.version });
    expect(second.items.filter((item) => item.status !== 'missing').map((item) => item.status)).toEqual(['up-to-date', 'up-to-date']);
    expect(fs.statSync(bundleImagePath(dir, JUMPHOST_IMAGE)).mtimeMs).toBe(before);
    expect(second.manifest.images.map((entry) => entry.sha256)).toEqual(first.manifest.images.map((entry) => entry.sha256));
  });

  it('round trip: docker load of a written archive succeeds and yields the same image id', async () => {
    const entry = first.manifest.images.find((image) => image.name === TEST_BASE_IMAGE);
    await loadImageArchive(docker, bundleAirgapPath(dir, TEST_BASE_IMAGE));
    expect((await docker.getImage(TEST_BASE_IMAGE).inspect()).Id).toBe(entry?.imageId);
  }, 120_000);

  it('labdeck env bundle --json prints the manifest, reports the missing pulls on stderr and exits 1', async () => {
    const configFile = path.join(dir, 'course.yaml');
    await fsp.writeFile(configFile, `jumphost:\n  image: ${JUMPHOST_IMAGE}\nworkloadImages:\n  - ${TEST_BASE_IMAGE}\n`);
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const previousExitCode = process.exitCode;
    process.exitCode = undefined;
    let exitCode: number | string | undefined;
    try {
      const program = new Command().name('labdeck').exitOverride();
      registerEnvCommand(program);
      await program.parseAsync(['node', 'labdeck', 'env', 'bundle', '--out', dir, '--config', configFile, '--json']);
      exitCode = process.exitCode;
    } finally {
      out.mockRestore();
      err.mockRestore();
      process.exitCode = previousExitCode;
    }
    expect(exitCode).toBe(1);
    const manifest = JSON.parse(stdout) as BundleResult['manifest'];
    expect(manifest.images.map((entry) => entry.sha256)).toEqual(first.manifest.images.map((entry) => entry.sha256));
    expect(manifest.labdeckVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(stderr).toContain(`docker pull ${K3S_IMAGE}`);
    expect(stderr).toContain('k3s-airgap-images-amd64.tar.zst');
    expect(stderr).toContain(`labdeck env bundle --out ${dir} --config ${configFile}`);
  });
});
