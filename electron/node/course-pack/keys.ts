import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LabdeckError } from '../../common/errors.ts';
import { keyNameProblem, MAX_KEY_NAME_LENGTH, printableKeyName } from '../../common/printable-name.ts';

/**
 * Ed25519 keys for signing course packs and completion reports, with Node's own crypto (no extra dependency).
 * A key is named (the publisher's or attendee's name shown next to its fingerprint) and identified by its
 * fingerprint: the sha256 of the 32 raw public key bytes, shown in groups of four hex digits so two people
 * can read it to each other.
 */

export const PrivateKeyFileSchema = z
  .object({
    type: z.literal('labdeck-ed25519-private-key'),
    name: z.string().min(1),
    /** The raw 32-byte public key, base64. */
    publicKey: z.string().min(1),
    /** PKCS#8 PEM. */
    privateKey: z.string().min(1),
  })
  .strict();

export const PublicKeyFileSchema = z
  .object({
    type: z.literal('labdeck-ed25519-public-key'),
    name: z.string().min(1),
    publicKey: z.string().min(1),
    fingerprint: z.string().min(1),
  })
  .strict();

/** Who signed something: enough to verify it and to show a person who it claims to be. */
export interface Signer {
  name: string;
  /** Raw 32-byte public key, base64. */
  publicKey: string;
  fingerprint: string;
}

export interface SigningKey extends Signer {
  privateKey: crypto.KeyObject;
}

export const PRIVATE_KEY_SUFFIX = '.labdeck-key';
export const PUBLIC_KEY_SUFFIX = '.labdeck-pub';

function rawPublicKey(key: crypto.KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

export { keyNameProblem, MAX_KEY_NAME_LENGTH, printableKeyName };

export function requireKeyName(name: string): string {
  const problem = keyNameProblem(name);
  if (problem) {
    throw new LabdeckError('invalid-request', `${JSON.stringify(name.slice(0, 200))} cannot be used: ${problem}.`, { action: 'Choose a plain name such as "Alice Example" or "ACME Training".' });
  }
  return name;
}

/** sha256 of the raw public key, hex in groups of four: "3f2a 91c0 …" (16 groups). */
export function fingerprintOf(publicKeyBase64: string): string {
  const hex = crypto.createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex');
  return hex.match(/.{4}/g)?.join(' ') ?? hex;
}

/**
 * A fingerprint as 64 lower-case hex digits, or undefined when `text` is anything else. Only spaces (and the
 * colons some people type) may separate the digits: "Alice 3f2a…" is not a fingerprint, even though dropping
 * every other character would leave one.
 */
export function normalFingerprint(text: string): string | undefined {
  const compact = text.replace(/[ \t:]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(compact) ? compact : undefined;
}

/** Fingerprints compare without their spacing, so a pasted "3f2a91c0…" matches; anything but hex never matches. */
export function sameFingerprint(a: string, b: string): boolean {
  const left = normalFingerprint(a);
  return left !== undefined && left === normalFingerprint(b);
}

export function publicKeyObject(publicKeyBase64: string): crypto.KeyObject {
  const raw = Buffer.from(publicKeyBase64, 'base64');
  if (raw.length !== 32) throw new LabdeckError('invalid-request', `A public key must be 32 bytes, this one has ${raw.length}.`, { action: 'Use the key Labdeck wrote (labdeck keys new).' });
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** A new key pair; the name is refused unless it is printable text of bounded length (keyNameProblem). */
export function generateSigningKey(name: string): SigningKey {
  requireKeyName(name);
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey).toString('base64');
  return { name, publicKey: raw, fingerprint: fingerprintOf(raw), privateKey };
}

export function sign(data: Buffer | string, key: SigningKey): string {
  return crypto.sign(null, Buffer.from(data), key.privateKey).toString('base64');
}

/** False for a wrong signature, a malformed one, or a malformed key: all mean "not signed by this key". */
export function verifySignature(data: Buffer | string, signatureBase64: string, publicKeyBase64: string): boolean {
  try {
    return crypto.verify(null, Buffer.from(data), publicKeyObject(publicKeyBase64), Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

export function signerOf(key: SigningKey): Signer {
  return { name: key.name, publicKey: key.publicKey, fingerprint: key.fingerprint };
}

export function privateKeyFileText(key: SigningKey): string {
  const file: z.infer<typeof PrivateKeyFileSchema> = {
    type: 'labdeck-ed25519-private-key',
    name: key.name,
    publicKey: key.publicKey,
    privateKey: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The public key file, built from the public part only (a SigningKey passed here must not leak anything else). */
export function publicKeyFileText(signer: Signer): string {
  const file: z.infer<typeof PublicKeyFileSchema> = {
    type: 'labdeck-ed25519-public-key',
    name: signer.name,
    publicKey: signer.publicKey,
    fingerprint: fingerprintOf(signer.publicKey),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** A .labdeck-pub file's publisher: the fingerprint computed from its key, the name made printable. */
export async function readPublicKeyFile(file: string): Promise<Signer> {
  let parsed;
  try {
    // Not strict: Labdeck before issue 21 wrote `"privateKey": {}` into this file by accident; it is ignored.
    parsed = z.object(PublicKeyFileSchema.shape).parse(JSON.parse(await fsp.readFile(file, 'utf8')));
  } catch (error) {
    throw new LabdeckError('invalid-request', `${file} is not a Labdeck public key (${error instanceof Error ? error.message.split('\n')[0] : String(error)}).`, {
      action: 'Pass the .labdeck-pub file `labdeck keys new` wrote.',
      cause: error,
    });
  }
  publicKeyObject(parsed.publicKey);
  return { name: printableKeyName(parsed.name), publicKey: parsed.publicKey, fingerprint: fingerprintOf(parsed.publicKey) };
}

/** Writes <dir>/<name>.labdeck-key (0600, never overwritten) and <dir>/<name>.labdeck-pub. */
export async function writeKeyPair(dir: string, key: SigningKey): Promise<{ privateFile: string; publicFile: string }> {
  requireKeyName(key.name);
  const base = key.name.replace(/[^A-Za-z0-9._-]+/g, '-');
  const privateFile = path.join(dir, `${base}${PRIVATE_KEY_SUFFIX}`);
  const publicFile = path.join(dir, `${base}${PUBLIC_KEY_SUFFIX}`);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': an existing key is someone's identity; replacing it silently would orphan everything it signed.
    await fsp.writeFile(privateFile, privateKeyFileText(key), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new LabdeckError('conflict', `${privateFile} already exists; Labdeck does not overwrite a key.`, { action: 'Pick another --name or --out folder, or delete the old key if you are sure nothing needs it.' });
    }
    throw error;
  }
  await fsp.chmod(privateFile, 0o600);
  await fsp.writeFile(publicFile, publicKeyFileText(signerOf(key)));
  return { privateFile, publicFile };
}

export async function readSigningKey(file: string): Promise<SigningKey> {
  let parsed;
  try {
    parsed = PrivateKeyFileSchema.parse(JSON.parse(await fsp.readFile(file, 'utf8')));
  } catch (error) {
    throw new LabdeckError('invalid-request', `${file} is not a Labdeck private key (${error instanceof Error ? error.message.split('\n')[0] : String(error)}).`, {
      action: 'Pass the .labdeck-key file `labdeck keys new` wrote.',
      cause: error,
    });
  }
  const privateKey = crypto.createPrivateKey(parsed.privateKey);
  const publicKey = rawPublicKey(crypto.createPublicKey(privateKey)).toString('base64');
  if (publicKey !== parsed.publicKey) {
    throw new LabdeckError('invalid-request', `${file} is damaged: its public key does not belong to its private key.`, { action: 'Restore the key file from a backup.' });
  }
  return { name: parsed.name, publicKey, fingerprint: fingerprintOf(publicKey), privateKey };
}

/** A private key made on first use and kept in a file (the attendee's report key). */
export async function loadOrCreateSigningKey(file: string, name: string): Promise<SigningKey> {
  const exists = await fsp.access(file).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    // The attendee's name comes from the OS or a form: made printable rather than refused.
    await fsp.writeFile(file, privateKeyFileText(generateSigningKey(printableKeyName(name))), { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      // Another process made it first: whatever is on disk is the key.
      if (error.code !== 'EEXIST') throw error;
    });
  }
  return readSigningKey(file);
}
