import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import tar from 'tar-stream';
import { LabdeckError } from '../../common/errors.ts';
import { printableText } from '../../common/printable-name.ts';
import { fingerprintOf, printableKeyName, sameFingerprint, verifySignature, type Signer } from './keys.ts';
import { PACK_FORMAT, PACK_MANIFEST, PACK_SIGNATURE, PackManifestSchema, type PackManifest } from './pack-manifest.ts';
import type { TrustStore } from './trust-store.ts';

/** What a copied pack turned out to be. `problems` empty and `signature: 'valid'` and `trusted` = good. */
export interface PackVerification {
  file: string;
  manifest: PackManifest | undefined;
  /** One line per thing that is wrong, naming the entry: "course/1.1-x/lab.yaml: content differs …". */
  problems: string[];
  signature: 'valid' | 'invalid' | 'unsigned';
  publisher: Signer | undefined;
  /** Whether the publisher's key is in the trust store (undefined without a valid signature). */
  trusted: boolean | undefined;
}

export interface ReadEntry {
  name: string;
  size: number;
  sha256: string;
}

/**
 * Streams through the pack once, hashing every entry; `onEntry` may consume an entry's bytes too (extraction).
 * A damaged tar header (a flipped byte there) surfaces as an error naming the last good entry.
 */
/**
 * The manifest and the signature are the only entries kept in memory: bounded, so a pack cannot make Labdeck
 * buffer gigabytes before it has checked anything (issue 21). A real manifest lists a few hundred entries.
 */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
export const MAX_SIGNATURE_BYTES = 4 * 1024;

export async function scanPack(
  file: string,
  onEntry?: (name: string, chunks: AsyncIterable<Buffer>) => Promise<void>,
): Promise<{ entries: ReadEntry[]; manifestBytes: Buffer | undefined; signatureText: string | undefined; problems: string[] }> {
  const entries: ReadEntry[] = [];
  let manifestBytes: Buffer | undefined;
  let signatureText: string | undefined;
  /** What is wrong with the manifest or signature entries themselves (too big, there twice). */
  const problems: string[] = [];
  const extract = tar.extract();
  const input = fs.createReadStream(file);
  input.pipe(extract);
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      const hash = crypto.createHash('sha256');
      let size = 0;
      const keep = name === PACK_MANIFEST || name === PACK_SIGNATURE;
      const limit = name === PACK_MANIFEST ? MAX_MANIFEST_BYTES : MAX_SIGNATURE_BYTES;
      const kept: Buffer[] = [];
      let oversize = false;
      async function* hashed(): AsyncIterable<Buffer> {
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          hash.update(chunk);
          size += chunk.length;
          if (keep && !oversize) {
            if (size > limit) {
              // Still read through (the tar goes on after it), but nothing more is kept.
              oversize = true;
              kept.length = 0;
            } else kept.push(chunk);
          }
          yield chunk;
        }
      }
      if (onEntry && !keep) await onEntry(name, hashed());
      else for await (const chunk of hashed()) void chunk;
      entries.push({ name, size, sha256: hash.digest('hex') });
      if (keep) {
        const seenBefore = name === PACK_MANIFEST ? manifestBytes !== undefined || problems.some((problem) => problem.startsWith(`${PACK_MANIFEST}:`)) : signatureText !== undefined;
        if (seenBefore) problems.push(`${name}: appears more than once in the pack; a pack has exactly one, so this one was tampered with`);
        if (oversize) problems.push(`${name}: ${size} bytes, more than the ${limit} a pack's ${name === PACK_MANIFEST ? 'manifest' : 'signature'} may have; it was not read`);
        else if (!seenBefore) {
          if (name === PACK_MANIFEST) manifestBytes = Buffer.concat(kept);
          else signatureText = Buffer.concat(kept).toString('utf8').trim();
        }
      }
    }
  } catch (error) {
    input.destroy();
    const after = entries.at(-1)?.name;
    throw new LabdeckError('invalid-request', `${file} is damaged: its tar structure breaks ${after ? `after the entry ${after}` : 'at the start'} (${(error as Error).message}).`, {
      action: 'Copy the pack again from the instructor\'s original; a damaged copy cannot be repaired.',
      cause: error,
    });
  }
  return { entries, manifestBytes, signatureText, problems };
}

/** Compares what the pack holds with what its manifest lists, entry by entry. */
function entryProblems(manifest: PackManifest, entries: readonly ReadEntry[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, ReadEntry>();
  for (const entry of entries) {
    if (entry.name === PACK_MANIFEST || entry.name === PACK_SIGNATURE) continue;
    if (seen.has(entry.name)) problems.push(`${entry.name}: appears twice in the pack`);
    seen.set(entry.name, entry);
    if (!manifest.entries.some((listed) => listed.path === entry.name)) problems.push(`${entry.name}: not listed in the manifest (added to the pack after it was made)`);
  }
  for (const listed of manifest.entries) {
    const found = seen.get(listed.path);
    if (!found) problems.push(`${listed.path}: missing from the pack`);
    else if (found.size !== listed.size) problems.push(`${listed.path}: ${found.size} bytes, the manifest says ${listed.size}`);
    else if (found.sha256 !== listed.sha256) problems.push(`${listed.path}: content differs from the manifest (sha256 ${found.sha256}, expected ${listed.sha256})`);
  }
  return problems;
}

/** Checks every hash, the signature, and (with a trust store) whether the signer is trusted. Never extracts. */
export async function verifyPack(file: string, trustStore?: TrustStore): Promise<PackVerification> {
  await fsp.access(file).catch((error: unknown) => {
    throw new LabdeckError('not-found', `There is no pack at ${file}.`, { action: 'Check the path; packs are written by `labdeck pack`.', cause: error });
  });
  const scanned = await scanPack(file);
  return judgePack(file, scanned, trustStore);
}

/**
 * The Labdeck version of a pack whose manifest is fine except for its `environment`, the part that describes
 * the cluster: such a pack comes from a Labdeck whose cluster was built differently (its images do not fit).
 */
function olderEnvironment(raw: unknown, issues: readonly { path: readonly PropertyKey[] }[]): string | null {
  if (!raw || typeof raw !== 'object') return null;
  const { format, labdeckVersion } = raw as { format?: unknown; labdeckVersion?: unknown };
  if (format !== PACK_FORMAT || typeof labdeckVersion !== 'string') return null;
  return issues.length > 0 && issues.every((issue) => issue.path[0] === 'environment') ? labdeckVersion : null;
}

export async function judgePack(file: string, scanned: Awaited<ReturnType<typeof scanPack>>, trustStore?: TrustStore): Promise<PackVerification> {
  const result: PackVerification = { file, manifest: undefined, problems: [], signature: 'unsigned', publisher: undefined, trusted: undefined };
  if (scanned.problems.length > 0) {
    // A manifest or signature too big to read, or there twice: nothing else about the pack can be trusted.
    result.problems.push(...scanned.problems);
    return result;
  }
  if (!scanned.manifestBytes) {
    result.problems.push(`${PACK_MANIFEST}: missing; ${path.basename(file)} is not a Labdeck course pack`);
    return result;
  }
  let parsed;
  let raw: unknown;
  try {
    raw = JSON.parse(scanned.manifestBytes.toString('utf8'));
    parsed = PackManifestSchema.safeParse(raw);
  } catch (error) {
    result.problems.push(`${PACK_MANIFEST}: not valid JSON (${(error as Error).message}); the manifest was damaged or edited`);
    return result;
  }
  if (!parsed.success) {
    const older = olderEnvironment(raw, parsed.error.issues);
    if (older) {
      result.problems.push(`${PACK_MANIFEST}: written by Labdeck ${older} for a cluster setup this version no longer builds; ask your instructor for a pack written with this Labdeck version`);
      return result;
    }
    result.problems.push(`${PACK_MANIFEST}: not a pack manifest (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}); the manifest was damaged or edited`);
    return result;
  }
  const manifest = parsed.data;
  result.manifest = manifest;
  result.problems.push(...entryProblems(manifest, scanned.entries));

  if (!manifest.publisher) {
    if (scanned.signatureText !== undefined) result.problems.push(`${PACK_SIGNATURE}: a signature without a publisher in the manifest; the manifest was edited`);
    return result;
  }
  // What anyone is shown: the fingerprint computed from the key, the name made printable and bounded.
  result.publisher = { name: printableKeyName(manifest.publisher.name), publicKey: manifest.publisher.publicKey, fingerprint: fingerprintOf(manifest.publisher.publicKey) };
  if (!sameFingerprint(manifest.publisher.fingerprint, fingerprintOf(manifest.publisher.publicKey))) {
    result.problems.push(`${PACK_MANIFEST}: the publisher's fingerprint does not belong to its key; the manifest was edited`);
  }
  if (scanned.signatureText === undefined) {
    result.signature = 'invalid';
    result.problems.push(`${PACK_SIGNATURE}: missing, though the manifest names publisher ${JSON.stringify(result.publisher.name)}`);
    return result;
  }
  if (!verifySignature(scanned.manifestBytes, scanned.signatureText, manifest.publisher.publicKey)) {
    result.signature = 'invalid';
    result.problems.push(`${PACK_SIGNATURE}: wrong signature: it was not made over this manifest with the key ${result.publisher.fingerprint} (named ${JSON.stringify(result.publisher.name)}); the manifest or the signature was changed`);
    return result;
  }
  result.signature = 'valid';
  if (trustStore) result.trusted = await trustStore.isTrusted(manifest.publisher.publicKey);
  return result;
}

/** The verdict as one sentence per line, for `pack --verify` and for errors when opening a pack. */
export function describeVerification(result: PackVerification): string[] {
  const lines: string[] = [];
  // The title is the publisher's text too: one printable line, so it cannot draw lines of its own.
  const course = result.manifest ? `${printableText(result.manifest.course.title, 200)} (${result.manifest.course.id}${result.manifest.course.version ? ` ${result.manifest.course.version}` : ''})` : 'unknown course';
  lines.push(`Pack ${result.file}: ${course}`);
  // Fixed layout: the computed fingerprint on its own line, then the (printable, bounded) name it claims.
  if (result.publisher) lines.push(`Key fingerprint: ${fingerprintOf(result.publisher.publicKey)}`, `Publisher name:  ${JSON.stringify(printableKeyName(result.publisher.name))} (claimed by the key's owner)`);
  for (const problem of result.problems) lines.push(`BAD  ${problem}`);
  if (result.signature === 'unsigned') lines.push('UNSIGNED  nobody vouches for this pack: open it only if you would run its author\'s code (trusted like code)');
  if (result.signature === 'valid' && result.trusted === false) lines.push('UNTRUSTED  the signature is valid, but this publisher\'s key is not in your trusted publishers');
  if (result.problems.length === 0 && result.signature === 'valid') lines.push(`OK  every entry matches its sha256 and the signature is valid${result.trusted ? '; the publisher is trusted' : ''}`);
  return lines;
}

/** True when the pack may be opened without asking anyone anything. */
export function packIsGood(result: PackVerification): boolean {
  return result.problems.length === 0 && result.signature === 'valid' && result.trusted === true;
}
