import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBundle } from '../env/bundle-writer.ts';
import { resolveEnvConfig } from '../env/config.ts';
import { LABEL_ENV, LABEL_MANAGED } from '../env/labels.ts';
import { dockerTestBlocker, uniqueSuffix } from '../env/test-docker.ts';
import { generateSigningKey } from './keys.ts';
import { openPack } from './open-pack.ts';
import { packIsGood, verifyPack } from './pack-reader.ts';
import { writePack } from './pack-writer.ts';
import { TrustStore } from './trust-store.ts';

const REAL_LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs/1.1-kubectl-kubeconfig');
const { docker, reason } = await dockerTestBlocker([]);
if (reason) console.warn(`[skip] course pack integration test: ${reason}`);

const suffix = uniqueSuffix();
const IMAGE = `labdeck/pack-test:${suffix}`;

/** A one-file image made with `docker import`, labelled as Labdeck's so only it is ever removed. */
async function importTinyImage(): Promise<void> {
  const packer = tar.pack();
  packer.entry({ name: 'hello.txt' }, 'a tiny image for the course pack test\n');
  packer.finalize();
  const [repo, tag] = IMAGE.split(':');
  const stream = await docker.importImage(packer as unknown as NodeJS.ReadableStream, { repo, tag, changes: [`LABEL ${LABEL_MANAGED}=true`, `LABEL ${LABEL_ENV}=pack-test-${suffix}`] });
  await new Promise((resolve, reject) => docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve(undefined))));
}

describe.skipIf(reason !== null)('course pack with an image saved from a real engine', () => {
  let work: string;

  beforeAll(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-pack-it-'));
    await importTinyImage();
  });
  afterAll(async () => {
    const info = await docker.getImage(IMAGE).inspect().catch(() => undefined);
    if (info?.Config?.Labels?.[LABEL_ENV] === `pack-test-${suffix}`) await docker.getImage(IMAGE).remove({ force: true });
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  it('saves the image, packs, verifies, and opens the pack with the image archive intact', async () => {
    const course = path.join(work, 'course');
    await fsp.cp(REAL_LAB, path.join(course, '1.1-kubectl-kubeconfig'), { recursive: true });
    await fsp.writeFile(path.join(course, 'course.yaml'), 'id: demo\ntitle: Demo\nversion: "1"\n');
    const bundle = path.join(work, 'bundle');
    const saved = await writeBundle(docker, bundle, { images: [IMAGE] }, { labdeckVersion: 'test', kubernetesVersion: 'v1.33.4' });
    expect(saved.missing).toEqual([]);

    const arch = (await docker.getImage(IMAGE).inspect()).Architecture;
    const key = generateSigningKey('Instructor');
    const progress: string[] = [];
    const out = path.join(work, 'demo.labdeck');
    await writePack({ courseDir: course, out, key, imageDirs: [bundle], architectures: [arch], environment: resolveEnvConfig({}), labdeckVersion: 'test', onProgress: (line) => progress.push(line) });
    expect(progress).toContainEqual(expect.stringMatching(/^linting /));

    const store = new TrustStore(path.join(work, 'data'));
    await store.trust(key);
    const verification = await verifyPack(out, store);
    expect(verification.problems).toEqual([]);
    expect(packIsGood(verification)).toBe(true);
    expect(verification.manifest?.entries.find((entry) => entry.image === IMAGE)).toMatchObject({ arch, path: `images/${arch}/images/labdeck_pack-test_${suffix}.tar` });

    const opened = await openPack(out, { dataDir: path.join(work, 'data'), trustStore: store, confirmTrust: async () => false });
    const archive = path.join(opened.bundleDirs[arch] ?? '', 'images', `labdeck_pack-test_${suffix}.tar`);
    expect(fs.statSync(archive).size).toBe(saved.manifest.images[0]?.size);
  });
});
