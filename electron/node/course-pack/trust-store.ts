import fsp from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LabdeckError } from '../../common/errors.ts';
import { fingerprintOf, printableKeyName, sameFingerprint, type Signer } from './keys.ts';

/**
 * The publishers this user has agreed to trust, in <data dir>/trusted-publishers.json. A course is code (its
 * probes run as root in the lab nodes), so a pack's signature only means something once its key is trusted;
 * the user is asked once per publisher, with the name and fingerprint shown.
 */

const TrustFileSchema = z.object({
  format: z.literal(1),
  publishers: z.array(
    z.object({ name: z.string(), publicKey: z.string(), fingerprint: z.string(), trustedAt: z.string() }).strict(),
  ),
});
type TrustFile = z.infer<typeof TrustFileSchema>;

export const TRUST_FILE_NAME = 'trusted-publishers.json';

export class TrustStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, TRUST_FILE_NAME);
  }

  async #read(): Promise<TrustFile> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { format: 1, publishers: [] };
      throw error;
    }
    const parsed = TrustFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new LabdeckError('internal', `${this.file} is damaged (${parsed.error.issues[0]?.message ?? 'unreadable'}).`, {
        action: 'Delete it and trust your publishers again, or restore it from a backup.',
      });
    }
    return parsed.data;
  }

  async list(): Promise<Signer[]> {
    // Recomputed and made printable: the file is the user's, but may have been edited.
    return (await this.#read()).publishers.map(({ name, publicKey }) => ({ name: printableKeyName(name), publicKey, fingerprint: fingerprintOf(publicKey) }));
  }

  /** Trusted means the same key bytes, not only the same name: a name is what anyone can claim. */
  async isTrusted(publicKey: string): Promise<boolean> {
    return (await this.#read()).publishers.some((publisher) => publisher.publicKey === publicKey);
  }

  async trust(signer: Signer): Promise<void> {
    const current = await this.#read();
    if (current.publishers.some((publisher) => publisher.publicKey === signer.publicKey)) return;
    // The fingerprint is recomputed: a file could claim any fingerprint next to its key.
    current.publishers.push({ name: printableKeyName(signer.name), publicKey: signer.publicKey, fingerprint: fingerprintOf(signer.publicKey), trustedAt: new Date().toISOString() });
    await fsp.mkdir(path.dirname(this.file), { recursive: true });
    await fsp.writeFile(`${this.file}.partial`, `${JSON.stringify(current, null, 2)}\n`);
    await fsp.rename(`${this.file}.partial`, this.file);
  }

  async untrust(fingerprint: string): Promise<boolean> {
    const current = await this.#read();
    const kept = current.publishers.filter((publisher) => !sameFingerprint(fingerprintOf(publisher.publicKey), fingerprint));
    if (kept.length === current.publishers.length) return false;
    await fsp.writeFile(this.file, `${JSON.stringify({ ...current, publishers: kept }, null, 2)}\n`);
    return true;
  }
}
