import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LabdeckError } from '../../common/errors.ts';
import { resolveEnvConfig } from '../env/config.ts';
import { JUMPHOST_IMAGE, KUBERNETES_VERSION, NODE_IMAGE } from '../env/versions.ts';
import { generateSigningKey, sign, type SigningKey } from './keys.ts';
import { openPack } from './open-pack.ts';
import { PACK_MANIFEST, PACK_SIGNATURE } from './pack-manifest.ts';
import { describeVerification, packIsGood, verifyPack } from './pack-reader.ts';
import { writePack } from './pack-writer.ts';
import { TrustStore } from './trust-store.ts';

const REAL_LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs/1.1-kubectl-kubeconfig');

let work: string;
let course: string;
let store: TrustStore;
let key: SigningKey;

/** A `docker save`-shaped archive (manifest.json naming a config with its architecture) and its bundle.json. */
async function fakeBundle(dir: string, arch: string): Promise<string> {
  const packer = tar.pack();
  const config = JSON.stringify({ architecture: arch, os: 'linux' });
  packer.entry({ name: 'cfg.json' }, config);
  packer.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'cfg.json', RepoTags: ['labdeck/tiny:1'], Layers: [] }]));
  packer.entry({ name: 'layer.tar' }, Buffer.alloc(4096, 7));
  packer.finalize();
  await fsp.mkdir(path.join(dir, 'images'), { recursive: true });
  const file = path.join(dir, 'images', 'labdeck_tiny_1.tar');
  await pipeline(packer, fs.createWriteStream(file));
  const size = (await fsp.stat(file)).size;
  const { sha256File } = await import('../env/bundle-writer.ts');
  const manifest = { format: 1, labdeckVersion: 'test', kubernetesVersion: 'v1.33.4', updatedAt: '', images: [{ name: 'labdeck/tiny:1', file: 'images/labdeck_tiny_1.tar', imageId: null, size, sha256: await sha256File(file) }] };
  await fsp.writeFile(path.join(dir, 'bundle.json'), JSON.stringify(manifest));
  return dir;
}

async function pack(options: { key?: SigningKey; imageDirs?: string[]; architectures?: string[] } = {}): Promise<string> {
  const out = path.join(work, 'course.labdeck');
  await writePack({
    courseDir: course,
    out,
    imageDirs: options.imageDirs ?? [],
    environment: resolveEnvConfig({}),
    labdeckVersion: 'test',
    ...(options.key ? { key: options.key } : {}),
    ...(options.architectures ? { architectures: options.architectures } : {}),
  });
  return out;
}

/** Re-writes a pack entry by entry, letting the test replace or drop entries (a tampering publisher). */
async function rewritePack(file: string, change: (name: string, data: Buffer) => Buffer | null): Promise<void> {
  const extract = tar.extract();
  const packer = tar.pack();
  const out = `${file}.rewritten`;
  const written = pipeline(packer, fs.createWriteStream(out));
  fs.createReadStream(file).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    const data = change(entry.header.name, Buffer.concat(chunks));
    if (data) packer.entry({ name: entry.header.name }, data);
  }
  packer.finalize();
  await written;
  await fsp.rename(out, file);
}

async function refusal(promise: Promise<unknown>): Promise<LabdeckError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LabdeckError);
  return error as LabdeckError;
}

beforeEach(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-pack-'));
  course = path.join(work, 'course');
  await fsp.cp(REAL_LAB, path.join(course, '1.1-kubectl-kubeconfig'), { recursive: true });
  await fsp.writeFile(path.join(course, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  await fsp.writeFile(path.join(course, 'course.yaml'), 'id: demo\ntitle: Demo course\nversion: "2026.1"\nbranding: { name: Demo, logo: logo.svg, accentColor: "#0a7cff" }\n');
  store = new TrustStore(path.join(work, 'data'));
  key = generateSigningKey('Ada Instructor');
});

afterEach(async () => {
  await fsp.rm(work, { recursive: true, force: true });
});

describe('course packs', () => {
  it('round trip: pack, verify, trust once, open offline with course, branding, topology and images', async () => {
    const file = await pack({ key, imageDirs: [await fakeBundle(path.join(work, 'bundle'), 'amd64')] });
    const first = await verifyPack(file, store);
    expect(first.problems).toEqual([]);
    expect(first.signature).toBe('valid');
    expect(first.trusted).toBe(false);
    expect(first.manifest?.course).toEqual({ id: 'demo', title: 'Demo course', version: '2026.1', branding: { name: 'Demo', logo: 'course/logo.svg', accentColor: '#0a7cff' } });
    expect(first.manifest?.environment).toMatchObject({ kubernetesVersion: KUBERNETES_VERSION, nodeImage: NODE_IMAGE, jumphostImage: JUMPHOST_IMAGE, subnet: '10.1.1.0/24' });
    expect(first.manifest?.environment.nodes.map((node) => node.name)).toEqual(['master1', 'worker1', 'worker2']);
    expect(first.manifest?.architectures).toEqual(['amd64']);
    expect(first.manifest?.entries.map((entry) => entry.path)).toContain('images/amd64/images/labdeck_tiny_1.tar');

    const asked: string[] = [];
    const opened = await openPack(file, { dataDir: path.join(work, 'data'), trustStore: store, confirmTrust: async (publisher) => (asked.push(`${publisher.name} ${publisher.fingerprint}`), true) });
    expect(asked).toEqual([`Ada Instructor ${key.fingerprint}`]);
    expect(await fsp.readFile(path.join(opened.courseDir, '1.1-kubectl-kubeconfig', 'lab.yaml'), 'utf8')).toContain('slug: kubectl-kubeconfig');
    expect(fs.existsSync(path.join(opened.bundleDirs.amd64 ?? '', 'images', 'labdeck_tiny_1.tar'))).toBe(true);

    // Asked once: the second open trusts the stored key without asking, and reuses the extracted folder.
    await fsp.writeFile(path.join(opened.courseDir, 'marker'), '');
    const again = await openPack(file, { dataDir: path.join(work, 'data'), trustStore: store, confirmTrust: async () => expect.fail('asked again') });
    expect(fs.existsSync(path.join(again.courseDir, 'marker'))).toBe(true);
    expect(packIsGood(await verifyPack(file, store))).toBe(true);
  });

  it('names the entry whose byte was flipped', async () => {
    const file = await pack({ key });
    const bytes = await fsp.readFile(file);
    const at = bytes.indexOf('slug: kubectl-kubeconfig');
    bytes[at] = bytes[at]! ^ 0x01;
    await fsp.writeFile(file, bytes);
    const result = await verifyPack(file, store);
    expect(result.problems).toEqual([expect.stringMatching(/^course\/1\.1-kubectl-kubeconfig\/lab\.yaml: content differs from the manifest/)]);
    const error = await refusal(openPack(file, { dataDir: path.join(work, 'data'), trustStore: store, confirmTrust: async () => true }));
    expect(error.message).toContain('course/1.1-kubectl-kubeconfig/lab.yaml: content differs');
  });

  it('says where the tar structure breaks when a header byte is flipped', async () => {
    const file = await pack({ key });
    const bytes = await fsp.readFile(file);
    // Byte 10 is in the name field of the first entry's header, so the header checksum no longer matches.
    bytes[10] = bytes[10]! ^ 0xff;
    await fsp.writeFile(file, bytes);
    const error = await refusal(verifyPack(file, store));
    expect(error.message).toMatch(/is damaged: its tar structure breaks at the start/);
    expect(error.action).toContain('Copy the pack again');
  });

  it('refuses a wrong signature, an edited manifest, and a pack re-signed with another key', async () => {
    const file = await pack({ key });
    const other = generateSigningKey('Mallory');
    await rewritePack(file, (name, data) => (name === PACK_SIGNATURE ? Buffer.from(sign(Buffer.from('something else'), key)) : data));
    expect(describeVerification(await verifyPack(file, store)).join('\n')).toMatch(/BAD {2}labdeck-pack\.sig: wrong signature: it was not made over this manifest with the key [0-9a-f ]+ \(named "Ada Instructor"\)/);

    const fresh = await pack({ key });
    await rewritePack(fresh, (name, data) => (name === PACK_MANIFEST ? Buffer.from(data.toString().replace('"Demo course"', '"Free course"')) : data));
    expect((await verifyPack(fresh, store)).signature).toBe('invalid');

    // Re-signed by someone else after adding a file: hashes and signature agree, the key is what gives it away.
    const resigned = await pack({ key });
    let manifestBytes = Buffer.alloc(0);
    await rewritePack(resigned, (name, data) => {
      if (name !== PACK_MANIFEST) return name === PACK_SIGNATURE ? Buffer.from(sign(manifestBytes, other)) : data;
      const manifest = JSON.parse(data.toString()) as { publisher: object };
      manifest.publisher = { name: 'Ada Instructor', publicKey: other.publicKey, fingerprint: other.fingerprint };
      manifestBytes = Buffer.from(JSON.stringify(manifest));
      return manifestBytes;
    });
    await store.trust(key);
    const result = await verifyPack(resigned, store);
    expect(result.signature).toBe('valid');
    expect(result.trusted).toBe(false);
    expect(describeVerification(result)).toContain("UNTRUSTED  the signature is valid, but this publisher's key is not in your trusted publishers");
  });

  it('refuses an untrusted publisher the user declines, and an unsigned pack', async () => {
    const signed = await pack({ key });
    const declined = await refusal(openPack(signed, { dataDir: path.join(work, 'data'), trustStore: store, confirmTrust: async () => false }));
    expect(declined.message).toBe(`The publisher with key ${key.fingerprint} (named "Ada Instructor") is not trusted, so the pack was not opened.`);
    expect(await store.list()).toEqual([]);

    const unsigned = await pack();
    const result = await verifyPack(unsigned, store);
    expect(result.signature).toBe('unsigned');
    expect(describeVerification(result).join('\n')).toContain('trusted like code');
    expect((await refusal(openPack(unsigned, { dataDir: path.join(work, 'data'), trustStore: store, confirmTrust: async () => true }))).message).toMatch(/not signed/);
  });

  it('says a pack whose cluster description this version does not know was written by another Labdeck', async () => {
    const file = await pack();
    await rewritePack(file, (name, data) => {
      if (name !== PACK_MANIFEST) return data;
      const manifest = JSON.parse(data.toString()) as { labdeckVersion: string; environment: Record<string, unknown> };
      const { kubernetesVersion, nodeImage, ...rest } = manifest.environment;
      manifest.labdeckVersion = '0.0.9';
      manifest.environment = { ...rest, clusterVersion: kubernetesVersion, clusterImage: nodeImage };
      return Buffer.from(JSON.stringify(manifest));
    });
    const result = await verifyPack(file, store);
    expect(result.problems).toEqual([expect.stringMatching(/^labdeck-pack\.json: written by Labdeck 0\.0\.9 for a cluster setup this version no longer builds/)]);
    // Any other change to the manifest's shape is still called what it is.
    await rewritePack(file, (name, data) => (name === PACK_MANIFEST ? Buffer.from(JSON.stringify({ ...JSON.parse(data.toString()), course: 'x' })) : data));
    expect((await verifyPack(file, store)).problems).toEqual([expect.stringMatching(/not a pack manifest .*damaged or edited/)]);
  });

  it('refuses a course with lint problems, a symlink out of the course, and a missing architecture', async () => {
    await fsp.symlink(path.join(work, 'secret'), path.join(course, 'escape.md'));
    await fsp.writeFile(path.join(work, 'secret'), 'SECRET');
    expect((await refusal(pack({ key }))).message).toMatch(/lint problem\(s\); it is not packed:\n.*escape\.md:1:1 symlink to .* leaves the course folder/);
    await fsp.rm(path.join(course, 'escape.md'));

    const bundle = await fakeBundle(path.join(work, 'bundle'), 'amd64');
    const error = await refusal(pack({ key, imageDirs: [bundle], architectures: ['amd64', 'arm64'] }));
    expect(error.message).toBe('No images for arm64: the bundles given hold amd64.');
    expect(error.action).toContain('labdeck env bundle --out bundle-arm64');
  });
});
