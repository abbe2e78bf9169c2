import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JUMPHOST_IMAGE, NODE_IMAGE, REGISTRY_IMAGE, SYSTEM_IMAGES } from '../../node/env/versions.ts';
import { runCommand } from './run-command.test-support.ts';

// A stand-in engine holding some of the lab's images: `docker save` returns a few bytes per image. The full
// lab's images are gigabytes; bundle-writer.integration.test.ts saves real ones.
const engine = vi.hoisted(() => {
  const images = new Set<string>();
  const docker = {
    ping: async () => 'OK',
    getImage: (name: string) => ({
      inspect: async () => (images.has(name) ? { Id: `sha256:${name.length}`, RepoDigests: [] } : Promise.reject(new Error(`No such image: ${name}`))),
      get: async () => Readable.from([Buffer.from(`saved ${name}`)]),
    }),
  };
  return { images, docker };
});
vi.mock('../../node/env/docker-client.ts', () => ({
  createDockerClient: () => engine.docker,
  dockerHostDescription: () => 'unix:///var/run/docker.sock',
  dockerUnreachableAction: () => 'Start Docker.',
}));

const { registerEnvCommand } = await import('./env.ts');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-env-bundle-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('labdeck env bundle', () => {
  it('--json prints the manifest of images/, reports the missing pulls on stderr and exits 1', async () => {
    for (const image of [NODE_IMAGE, JUMPHOST_IMAGE, REGISTRY_IMAGE, ...SYSTEM_IMAGES]) engine.images.add(image);
    const out = path.join(tmp, 'bundle');
    const config = path.join(tmp, 'course.yaml');
    await writeFile(config, 'workloadImages:\n  - nginx:1.14.2\n  - corp/absent:1\n');
    let stderr = '';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    let run: Awaited<ReturnType<typeof runCommand>>;
    try {
      run = await runCommand(registerEnvCommand, ['env', 'bundle', '--out', out, '--config', config, '--json']);
    } finally {
      err.mockRestore();
    }
    expect(run.exitCode).toBe(1);
    const manifest = JSON.parse(run.stdout) as { kubernetesVersion: string; images: { name: string; file: string }[] };
    expect(manifest.kubernetesVersion).toBe('v1.33.4');
    expect(manifest.images.map((entry) => entry.name).sort()).toEqual([NODE_IMAGE, JUMPHOST_IMAGE, REGISTRY_IMAGE, ...SYSTEM_IMAGES].sort());
    expect(manifest.images.every((entry) => entry.file.startsWith('images/'))).toBe(true);
    expect(await readdir(out)).toEqual(['bundle.json', 'images']);
    expect(stderr).toContain('docker pull nginx:1.14.2\n');
    expect(stderr).toContain('docker pull corp/absent:1\n');
    expect(stderr).toContain(`labdeck env bundle --out ${out} --config ${config}`);
  });
});
