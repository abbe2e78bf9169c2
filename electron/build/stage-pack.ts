/**
 * `npm run dist` step: stages the course pack an installer carries. LABDECK_BUNDLED_PACK names a signed pack
 * (labdeck pack); it is verified here (every hash and the signature, not trust: the attendee is asked to trust
 * the publisher at first start) and copied to dist/bundled-pack/, which electron-builder.yml puts into the
 * installer's resources/course-pack/. Without the variable the folder is left empty, so no stale pack ships.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabdeckError } from '../common/errors.ts';
import { describeVerification, verifyPack } from '../node/course-pack/pack-reader.ts';

export const STAGED_PACK_DIR = path.join('dist', 'bundled-pack');

export async function stageBundledPack(options: { repoRoot: string; pack: string | undefined; log?: (line: string) => void }): Promise<string | undefined> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[dist] ${line}\n`));
  const dir = path.join(options.repoRoot, STAGED_PACK_DIR);
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.mkdir(dir, { recursive: true });
  if (!options.pack) {
    log('No LABDECK_BUNDLED_PACK: the installer carries no course pack (attendees open one with "Open course…").');
    return undefined;
  }
  const file = path.resolve(options.pack);
  if (!file.endsWith('.labdeck')) {
    throw new LabdeckError('invalid-request', `LABDECK_BUNDLED_PACK=${options.pack} is not a .labdeck file.`, { action: 'Point it at a pack written by `labdeck pack <course> --out <file>.labdeck --key <key>`.' });
  }
  const verification = await verifyPack(file);
  if (verification.problems.length > 0 || verification.signature !== 'valid') {
    throw new LabdeckError('invalid-request', `LABDECK_BUNDLED_PACK=${options.pack} cannot go into an installer:\n${describeVerification(verification).join('\n')}`, {
      action: 'Write the pack again with `labdeck pack … --key <your key>` and check it with `labdeck pack --verify <file>`.',
    });
  }
  const staged = path.join(dir, path.basename(file));
  await fsp.copyFile(file, staged);
  log(`The installer carries ${path.basename(file)} (${verification.manifest?.course.title}, signed by ${verification.publisher?.name} ${verification.publisher?.fingerprint}).`);
  return staged;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  stageBundledPack({ repoRoot: process.cwd(), pack: process.env.LABDECK_BUNDLED_PACK || undefined }).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof LabdeckError && error.action) process.stderr.write(`${error.action}\n`);
    process.exit(1);
  });
}
