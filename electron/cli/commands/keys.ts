import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { LabdeckError } from '../../common/errors.ts';
import { defaultDataDir } from '../../node/data-dir.ts';
import { generateSigningKey, readPublicKeyFile, writeKeyPair, type Signer } from '../../node/course-pack/keys.ts';
import { verifyPack } from '../../node/course-pack/pack-reader.ts';
import { TrustStore } from '../../node/course-pack/trust-store.ts';
import { publisherBlock } from './trust-prompt.ts';

/** The publisher named by a .labdeck-pub file or by the signature of a pack. */
async function signerFrom(file: string): Promise<Signer> {
  if (file.endsWith('.labdeck-pub')) return readPublicKeyFile(file);
  const verification = await verifyPack(file);
  if (verification.signature !== 'valid' || !verification.publisher) {
    throw new LabdeckError('invalid-request', `${file} has no valid signature, so there is no publisher to trust.`, { action: `Run \`labdeck pack --verify ${file}\` to see what is wrong.` });
  }
  return verification.publisher;
}

/** `labdeck keys new|trust|list`: Ed25519 keys for signing course packs, and the publishers this user trusts. */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('Signing keys for course packs and the publishers you trust');

  keys
    .command('new')
    .description('Make an Ed25519 key pair: <name>.labdeck-key (private, 0600) and <name>.labdeck-pub')
    .option('--name <name>', 'your name as attendees will see it next to the fingerprint', os.userInfo().username)
    .option('--out <dir>', 'folder for the two files (default: <data dir>/keys)')
    .action(async (options: { name: string; out?: string }) => {
      const key = generateSigningKey(options.name);
      const { privateFile, publicFile } = await writeKeyPair(path.resolve(options.out ?? path.join(defaultDataDir(), 'keys')), key);
      process.stdout.write(
        [
          `Private key: ${privateFile} (keep it secret; sign with \`labdeck pack … --key ${privateFile}\`)`,
          `Public key:  ${publicFile}`,
          `Name:        ${key.name}`,
          `Fingerprint: ${key.fingerprint}`,
          'Give attendees the fingerprint through another channel (slides, e-mail) so they can check it when they open your pack.',
          '',
        ].join('\n'),
      );
    });

  keys
    .command('trust')
    .description('Trust the publisher of a pack or of a .labdeck-pub file (check the fingerprint with them first)')
    .argument('<file>', 'a course pack or a .labdeck-pub file')
    .option('--data-dir <dir>', 'app data folder holding trusted-publishers.json')
    .action(async (file: string, options: { dataDir?: string }) => {
      const signer = await signerFrom(file);
      await new TrustStore(options.dataDir ?? defaultDataDir()).trust(signer);
      process.stdout.write(`Trusted this publisher for every pack its key signs:\n${publisherBlock(signer)}\n`);
    });

  keys
    .command('list')
    .description('The publishers you trust')
    .option('--data-dir <dir>', 'app data folder holding trusted-publishers.json')
    .action(async (options: { dataDir?: string }) => {
      const publishers = await new TrustStore(options.dataDir ?? defaultDataDir()).list();
      if (publishers.length === 0) process.stdout.write('No trusted publishers yet.\n');
      // Fingerprint first: a name (printable, bounded by the trust store) cannot move it.
      for (const publisher of publishers) process.stdout.write(`${publisher.fingerprint}  ${publisher.name}\n`);
    });
}
