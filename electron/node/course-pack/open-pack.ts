import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { LabdeckError } from '../../common/errors.ts';
import { escapesLexically } from '../labs/course-paths.ts';
import { pathInside, requireSafeName } from '../course-format/safe-name.ts';
import { fingerprintOf, type Signer } from './keys.ts';
import { COURSE_PREFIX, IMAGES_PREFIX, type PackManifest } from './pack-manifest.ts';
import { describeVerification, judgePack, scanPack, verifyPack, type PackVerification } from './pack-reader.ts';
import type { TrustStore } from './trust-store.ts';

export interface OpenPackOptions {
  /** Where opened packs are kept: <dataDir>/courses/<id>-<version>-<hash>/. */
  dataDir: string;
  trustStore: TrustStore;
  /**
   * Asked once per unknown publisher, with name and fingerprint; true adds the key to the trust store.
   * The app shows a dialog, the CLI a prompt.
   */
  confirmTrust: (publisher: Signer) => Promise<boolean>;
}

export interface OpenedPack {
  manifest: PackManifest;
  courseDir: string;
  /** Bundle folder per CPU architecture, for `env up --bundle`. */
  bundleDirs: Record<string, string>;
  publisher: Signer;
}

/** An entry name the pack may create: under course/ or images/, relative, no `..`. */
function safeTarget(root: string, name: string): string | undefined {
  if (!(name.startsWith(COURSE_PREFIX) || name.startsWith(IMAGES_PREFIX)) || escapesLexically(name)) return undefined;
  return path.join(root, ...name.split('/'));
}

/**
 * Opens a course pack: verifies every hash and the signature, asks once to trust an unknown publisher, then
 * extracts it while hashing again (the file could change between the check and the copy) and only then moves
 * it into place. Unsigned or damaged packs are refused with what is wrong. A pack opened before is verified
 * again (and its publisher's trust checked) but not extracted again.
 */
export async function openPack(file: string, options: OpenPackOptions): Promise<OpenedPack> {
  const verification = await verifyPack(file, options.trustStore);
  await requireTrusted(verification, options);
  const manifest = verification.manifest as PackManifest;
  const publisher = verification.publisher as Signer;

  const id = crypto.createHash('sha256').update(JSON.stringify(manifest.entries)).digest('hex').slice(0, 12);
  // The manifest schema admits only safe names; checked again here, before anything touches the target or its
  // .partial folder: both must be a plain name inside <data dir>/courses.
  const courses = path.join(options.dataDir, 'courses');
  const name = `${requireSafeName('course id', manifest.course.id)}-${requireSafeName('course version', manifest.course.version ?? 'unversioned')}-${id}`;
  const target = pathInside(courses, name);
  pathInside(courses, `${name}.partial`);
  const bundleDirs: Record<string, string> = {};
  for (const arch of manifest.architectures) bundleDirs[arch] = path.join(target, 'images', arch);
  const opened: OpenedPack = { manifest, courseDir: path.join(target, 'course'), bundleDirs, publisher };
  // Remembered: the folder is named after the entries' hashes and only ever appears complete (renamed into
  // place), so a pack opened before is not extracted again (images can be gigabytes).
  if (await fsp.stat(target).then((stat) => stat.isDirectory(), () => false)) return opened;

  const temporary = `${target}.partial`;
  await fsp.rm(temporary, { recursive: true, force: true });
  await fsp.mkdir(temporary, { recursive: true });
  try {
    const scanned = await scanPack(file, async (name, chunks) => {
      const destination = safeTarget(temporary, name);
      if (!destination) {
        for await (const chunk of chunks) void chunk;
        return;
      }
      await fsp.mkdir(path.dirname(destination), { recursive: true });
      await pipeline(Readable.from(chunks), fs.createWriteStream(destination, { mode: 0o644 }));
    });
    const again = await judgePack(file, scanned, options.trustStore);
    if (again.problems.length > 0 || again.signature !== 'valid' || !again.trusted) {
      throw new LabdeckError('conflict', `${file} changed while it was being opened:\n${describeVerification(again).join('\n')}`, { action: 'Copy the pack again and open the copy.' });
    }
    await fsp.rename(temporary, target);
  } catch (error) {
    await fsp.rm(temporary, { recursive: true, force: true });
    throw error;
  }
  return opened;
}

/** The opened pack's images for this machine's CPU (Docker names x64 amd64), for `env up`'s bundle folder. */
export function hostBundleDir(opened: OpenedPack, arch: string = process.arch): string | undefined {
  return opened.bundleDirs[dockerArch(arch)];
}

/**
 * A CPU as Docker and packs name it (amd64, arm64), from Node's name (x64, arm64): the one word shown to
 * people, in the app and the CLI alike.
 */
export function dockerArch(nodeArch: string = process.arch): string {
  return nodeArch === 'x64' ? 'amd64' : nodeArch;
}

async function requireTrusted(verification: PackVerification, options: OpenPackOptions): Promise<void> {
  const text = describeVerification(verification).join('\n');
  if (verification.problems.length > 0 || verification.signature === 'invalid') {
    throw new LabdeckError('invalid-request', `The course pack is damaged or was changed after it was signed:\n${text}`, { action: 'Do not use this copy; get the pack again from the instructor.' });
  }
  if (verification.signature === 'unsigned' || !verification.publisher) {
    throw new LabdeckError('invalid-request', `The course pack is not signed:\n${text}`, {
      action: 'Ask the instructor for a signed pack (labdeck pack --key), or, if you trust its author like code you run, extract it and open the course folder instead.',
    });
  }
  if (verification.trusted) return;
  const publisher = verification.publisher;
  if (!(await options.confirmTrust({ ...publisher, fingerprint: fingerprintOf(publisher.publicKey) }))) {
    throw new LabdeckError('cancelled', `The publisher with key ${fingerprintOf(publisher.publicKey)} (named ${JSON.stringify(publisher.name)}) is not trusted, so the pack was not opened.`, {
      action: `Compare the fingerprint with the one your instructor gives you; if they match, open the pack again and trust it (or run \`labdeck keys trust ${verification.file}\` first).`,
    });
  }
  await options.trustStore.trust(publisher);
  verification.trusted = true;
}
