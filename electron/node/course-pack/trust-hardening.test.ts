import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerKeysCommand } from '../../cli/commands/keys.ts';
import { runCommand } from '../../cli/commands/run-command.test-support.ts';
import { trustQuestion } from '../../cli/commands/trust-prompt.ts';
import { LabdeckError } from '../../common/errors.ts';
import { pathInside } from '../course-format/safe-name.ts';
import { resolveEnvConfig } from '../env/config.ts';
import { lintLabs } from '../labs/lint.ts';
import {
  generateSigningKey,
  keyNameProblem,
  printableKeyName,
  readPublicKeyFile,
  sameFingerprint,
  sign,
  writeKeyPair,
  type SigningKey,
} from './keys.ts';
import { openPack } from './open-pack.ts';
import { PACK_MANIFEST, PACK_SIGNATURE } from './pack-manifest.ts';
import { describeVerification, verifyPack } from './pack-reader.ts';
import { writePack } from './pack-writer.ts';
import { TrustStore } from './trust-store.ts';

// Issue 21, items 1, 2 and 6 (public key file): what a hostile publisher can put into the names and the
// manifest of a pack it signs with its own key, and what a trust decision then shows.

const REAL_LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs/1.1-kubectl-kubeconfig');

let work: string;
let course: string;
let store: TrustStore;
let alice: SigningKey;
let mallory: SigningKey;

async function pack(key?: SigningKey): Promise<string> {
  const out = path.join(work, 'course.labdeck');
  await writePack({ courseDir: course, out, imageDirs: [], environment: resolveEnvConfig({}), labdeckVersion: 'test', ...(key ? { key } : {}) });
  return out;
}

/** Rewrites the manifest and signs it again with `key`: a pack made by hand, valid for its own key. */
async function resign(file: string, key: SigningKey, change: (manifest: Record<string, any>) => void): Promise<void> {
  const extract = tar.extract();
  const packer = tar.pack();
  const out = `${file}.rewritten`;
  const written = pipeline(packer, fs.createWriteStream(out));
  fs.createReadStream(file).pipe(extract);
  const entries: { name: string; data: Buffer }[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    entries.push({ name: entry.header.name, data: Buffer.concat(chunks) });
  }
  let manifestBytes = Buffer.alloc(0);
  for (const entry of entries) {
    if (entry.name === PACK_SIGNATURE) continue;
    if (entry.name === PACK_MANIFEST) {
      const manifest = JSON.parse(entry.data.toString()) as Record<string, any>;
      change(manifest);
      manifestBytes = Buffer.from(JSON.stringify(manifest));
      packer.entry({ name: PACK_MANIFEST }, manifestBytes);
      packer.entry({ name: PACK_SIGNATURE }, sign(manifestBytes, key));
    } else {
      packer.entry({ name: entry.name }, entry.data);
    }
  }
  packer.finalize();
  await written;
  await fsp.rename(out, file);
}

async function refusal(promise: Promise<unknown>): Promise<LabdeckError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(LabdeckError);
  return error as LabdeckError;
}

beforeEach(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-trust-'));
  course = path.join(work, 'course');
  await fsp.cp(REAL_LAB, path.join(course, '1.1-kubectl-kubeconfig'), { recursive: true });
  await fsp.writeFile(path.join(course, 'course.yaml'), 'id: demo\ntitle: Demo course\nversion: "2026.1"\n');
  store = new TrustStore(path.join(work, 'data'));
  alice = generateSigningKey('Alice Instructor');
  mallory = generateSigningKey('Mallory');
});

afterEach(async () => {
  await fsp.rm(work, { recursive: true, force: true });
});

describe('publisher names (issue 21 item 1)', () => {
  it('are refused when a key or a pack is written unless they are printable text of bounded length', async () => {
    for (const bad of ['', '   ', 'Alice\nKey fingerprint: 0000', 'Alice\x1b[2J', 'Alice\u202eecilA', 'zero\u200bwidth', 'tab\there', 'x'.repeat(65)]) {
      expect(keyNameProblem(bad), JSON.stringify(bad)).toBeDefined();
      expect(() => generateSigningKey(bad)).toThrow(LabdeckError);
    }
    for (const good of ['Alice Instructor', 'Zoë Müller-Lüdenscheidt', 'ACME Training (Berlin)', 'x'.repeat(64)]) expect(keyNameProblem(good)).toBeUndefined();
    await expect(writeKeyPair(path.join(work, 'keys'), { ...alice, name: 'Alice\r\nEvil' })).rejects.toThrow(/printable text on one line/);
    expect((await refusal(pack({ ...mallory, name: 'Mallory\x1b[1A\x1b[2K' }))).message).toMatch(/printable text on one line/);
    expect(fs.existsSync(path.join(work, 'course.labdeck'))).toBe(false);
  });

  it('are neutralised when read, and every trust prompt shows the computed fingerprint in a fixed layout', async () => {
    const file = await pack(mallory);
    // Mallory's hand-made manifest: a name that would redraw the prompt with Alice's fingerprint and hide hers.
    const forged = `Alice Instructor with key fingerprint\n  ${alice.fingerprint}\x1b[8m\nfor every pack it signs? [y/N] \x1b[2K\r`;
    await resign(file, mallory, (manifest) => {
      manifest.publisher = { name: forged, publicKey: mallory.publicKey, fingerprint: mallory.fingerprint };
      // The title is printed before the publisher by pack --verify: it cannot draw lines either.
      manifest.course.title = `Demo\nKey fingerprint: ${alice.fingerprint}\x1b[2K`;
    });
    const result = await verifyPack(file, store);
    expect(result.signature).toBe('valid');
    expect(result.problems).toEqual([]);
    const publisher = result.publisher!;
    expect(publisher.fingerprint).toBe(mallory.fingerprint);
    expect(publisher.name).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect([...publisher.name].length).toBeLessThanOrEqual(64);
    expect(publisher.name).toBe(printableKeyName(forged));

    const question = trustQuestion(publisher).split('\n');
    expect(question).toHaveLength(4);
    expect(question[1]).toBe(`  Key fingerprint: ${mallory.fingerprint}`);
    expect(question[2]).toMatch(/^ {2}Name it claims: {2}"/);
    expect(question.join('\n')).not.toContain(alice.fingerprint);
    const described = describeVerification(result);
    expect(described[1]).toBe(`Key fingerprint: ${mallory.fingerprint}`);
    // Each entry is one line, and only the computed fingerprint starts one.
    expect(described.join('\n').split('\n')).toHaveLength(described.length);
    expect(described.filter((line) => line.startsWith('Key fingerprint:'))).toEqual([`Key fingerprint: ${mallory.fingerprint}`]);
    expect(described.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);

    // What the app's dialog and a trust store get is the same neutral name, next to the computed fingerprint.
    let asked: { name: string; fingerprint: string } | undefined;
    await openPack(file, { dataDir: path.join(work, 'data'), trustStore: store, confirmTrust: async (shown) => ((asked = shown), true) });
    expect(asked).toMatchObject({ name: publisher.name, fingerprint: mallory.fingerprint });
    expect(await store.list()).toEqual([{ name: publisher.name, publicKey: mallory.publicKey, fingerprint: mallory.fingerprint }]);
  });

  it('compares fingerprints as hex only', () => {
    const bare = alice.fingerprint.replace(/ /g, '');
    expect(sameFingerprint(alice.fingerprint, bare)).toBe(true);
    expect(sameFingerprint(alice.fingerprint, bare.toUpperCase())).toBe(true);
    // Dropping every non-hex character would have turned these into Alice's fingerprint.
    expect(sameFingerprint(alice.fingerprint, `Tom: ${bare}`)).toBe(false);
    expect(sameFingerprint(alice.fingerprint, bare.replace(/(.{4})/g, '$1-xyz-'))).toBe(false);
    expect(sameFingerprint('', '')).toBe(false);
    expect(sameFingerprint('abcd', 'abcd')).toBe(false);
  });
});

describe('course ids and versions as names (issue 21 item 2)', () => {
  it('lint refuses a version or id that is not a safe name', async () => {
    for (const [field, value] of [['version', '../../../outside'], ['version', 'a/b'], ['version', '1..2'], ['id', 'demo/../x']] as const) {
      await fsp.writeFile(path.join(course, 'course.yaml'), `id: ${field === 'id' ? JSON.stringify(value) : 'demo'}\ntitle: Demo\nversion: ${field === 'version' ? JSON.stringify(value) : '"1.0"'}\n`);
      const report = await lintLabs(course);
      expect(report.problems.map((problem) => problem.message).join('\n'), `${field} ${value}`).toMatch(new RegExp(field === 'version' ? 'safe name' : 'id'));
    }
    // And pack refuses it (it lints first).
    await expect(pack(alice)).rejects.toThrow(/lint problem/);
  });

  it('a hand-made manifest with ../ in its version or id is refused, and nothing outside the data folder is touched', async () => {
    const victim = path.join(work, 'victim.partial');
    await fsp.mkdir(victim);
    await fsp.writeFile(path.join(victim, 'keep'), 'important');
    for (const change of [
      (manifest: Record<string, any>) => (manifest.course.version = '../../../victim'),
      (manifest: Record<string, any>) => (manifest.course.id = '../../../victim'),
    ]) {
      const file = await pack(alice);
      await resign(file, alice, change);
      const result = await verifyPack(file, store);
      expect(result.problems.join('\n')).toMatch(/not a pack manifest \(course\.(version|id): must be a safe name/);
      await refusal(openPack(file, { dataDir: path.join(work, 'data', 'x'), trustStore: store, confirmTrust: async () => true }));
    }
    expect(await fsp.readFile(path.join(victim, 'keep'), 'utf8')).toBe('important');
    expect(fs.existsSync(path.join(work, 'data', 'x', 'courses'))).toBe(false);
  });

  it('pathInside refuses every target that leaves its parent', () => {
    expect(pathInside('/data/courses', 'demo-1.0-abc')).toBe(path.resolve('/data/courses/demo-1.0-abc'));
    for (const name of ['..', '../x', 'a/../../x', '/etc/passwd', '']) expect(() => pathInside('/data/courses', name), name).toThrow(LabdeckError);
  });
});

describe('the public key file (issue 21 item 6)', () => {
  it('carries the public part only, and keys trust and verify-report --key accept it (and the old one with "privateKey": {})', async () => {
    const { publicFile } = await writeKeyPair(path.join(work, 'keys'), alice);
    const written = JSON.parse(await fsp.readFile(publicFile, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(written).sort()).toEqual(['fingerprint', 'name', 'publicKey', 'type']);
    expect(await readPublicKeyFile(publicFile)).toEqual({ name: 'Alice Instructor', publicKey: alice.publicKey, fingerprint: alice.fingerprint });

    const old = path.join(work, 'old.labdeck-pub');
    await fsp.writeFile(old, JSON.stringify({ ...written, privateKey: {} }));
    expect((await readPublicKeyFile(old)).fingerprint).toBe(alice.fingerprint);

    const run = await runCommand(registerKeysCommand, ['keys', 'trust', publicFile, '--data-dir', path.join(work, 'data')]);
    expect(run.stdout).toContain(`  Key fingerprint: ${alice.fingerprint}`);
    expect(await store.isTrusted(alice.publicKey)).toBe(true);
  });
});

describe('the entries a pack reader keeps in memory (issue 21 item 5)', () => {
  async function appendEntries(file: string, extra: { name: string; data: Buffer }[]): Promise<void> {
    const extract = tar.extract();
    const packer = tar.pack();
    const out = `${file}.rewritten`;
    const written = pipeline(packer, fs.createWriteStream(out));
    fs.createReadStream(file).pipe(extract);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
      packer.entry({ name: entry.header.name }, Buffer.concat(chunks));
    }
    for (const entry of extra) packer.entry({ name: entry.name }, entry.data);
    packer.finalize();
    await written;
    await fsp.rename(out, file);
  }

  it('flags a second manifest or signature, and refuses to open the pack', async () => {
    const file = await pack(alice);
    const other = Buffer.from(JSON.stringify({ format: 'labdeck-pack/1' }));
    await appendEntries(file, [{ name: PACK_MANIFEST, data: other }]);
    const result = await verifyPack(file, store);
    expect(result.problems).toEqual([`${PACK_MANIFEST}: appears more than once in the pack; a pack has exactly one, so this one was tampered with`]);
    await refusal(openPack(file, { dataDir: path.join(work, 'data'), trustStore: store, confirmTrust: async () => true }));

    const twiceSigned = await pack(alice);
    await appendEntries(twiceSigned, [{ name: PACK_SIGNATURE, data: Buffer.from('x') }]);
    expect((await verifyPack(twiceSigned, store)).problems).toEqual([`${PACK_SIGNATURE}: appears more than once in the pack; a pack has exactly one, so this one was tampered with`]);
  });

  it('does not buffer a manifest or signature beyond its limit', async () => {
    const { MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES } = await import('./pack-reader.ts');
    const file = path.join(work, 'big.labdeck');
    const packer = tar.pack();
    const written = pipeline(packer, fs.createWriteStream(file));
    packer.entry({ name: PACK_MANIFEST }, Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20));
    packer.entry({ name: PACK_SIGNATURE }, Buffer.alloc(MAX_SIGNATURE_BYTES + 1, 0x41));
    packer.finalize();
    await written;
    const result = await verifyPack(file, store);
    expect(result.problems).toEqual([
      `${PACK_MANIFEST}: ${MAX_MANIFEST_BYTES + 1} bytes, more than the ${MAX_MANIFEST_BYTES} a pack's manifest may have; it was not read`,
      `${PACK_SIGNATURE}: ${MAX_SIGNATURE_BYTES + 1} bytes, more than the ${MAX_SIGNATURE_BYTES} a pack's signature may have; it was not read`,
    ]);
  });
});
