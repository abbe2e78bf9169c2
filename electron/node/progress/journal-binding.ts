import type { KeyObject } from 'node:crypto';
import crypto from 'node:crypto';
import { fingerprintOf, publicKeyObject, sign, type SigningKey } from '../course-pack/keys.ts';

/**
 * What binds an evidence journal to one attendee, cluster and course (issue 20): every entry carries the
 * cluster's CA fingerprint, the course id and version, the attendee's report public key (`signer`) and an
 * Ed25519 signature over its chained hash (signEntryHash). Signing the hash (which covers `prevHash`) signs the whole chain
 * up to that entry, so an edit re-chained without the key breaks at the edited entry, and appends stay one
 * signature each. The attendee holds the key: this is tamper-evident against anyone else, and it makes a
 * journal the attendee's own statement, which a grader compares with the key on the roster.
 */

export type JournalProblemKind = 'unsigned' | 'unbound' | 'broken' | 'foreign-course' | 'other-key';

export interface JournalProblem {
  kind: JournalProblemKind;
  /** The first entry it concerns, when it is about one. */
  seq?: number;
  message: string;
}

export interface SignedFields {
  seq: number;
  hash: string;
  signer?: string;
  signature?: string;
}

/**
 * What an entry's signature covers: its hash (which chains everything before it), under a label of its own, so
 * a journal signature can never be taken for the report key's signature of anything else.
 */
function signedText(hash: string): string {
  return `labdeck-journal-entry:${hash}`;
}

export function signEntryHash(hash: string, key: SigningKey): string {
  return sign(signedText(hash), key);
}

const keyCache = new Map<string, KeyObject | null>();

function keyObject(publicKey: string): KeyObject | null {
  let key = keyCache.get(publicKey);
  if (key === undefined) {
    try {
      key = publicKeyObject(publicKey);
    } catch {
      key = null;
    }
    // Bounded: a hostile journal cannot grow the cache without limit.
    if (keyCache.size > 64) keyCache.clear();
    keyCache.set(publicKey, key);
  }
  return key;
}

/** Whether an entry's signature is a valid one over its hash by its own `signer` key. */
export function entrySignatureValid(entry: SignedFields): boolean {
  if (entry.signer === undefined || entry.signature === undefined) return false;
  const key = keyObject(entry.signer);
  if (!key) return false;
  try {
    return crypto.verify(null, Buffer.from(signedText(entry.hash)), key, Buffer.from(entry.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Signature problems of a chain that already verified hash by hash: an entry without a signature, a signature
 * that does not verify, or a key that changes in the middle (entries from two journals spliced together).
 * Returns the first problem, naming its entry, or undefined.
 */
export function signatureProblem(entries: readonly SignedFields[]): JournalProblem | undefined {
  const first = entries[0];
  for (const entry of entries) {
    if (entry.signer === undefined || entry.signature === undefined) {
      return { kind: 'unsigned', seq: entry.seq, message: `entry ${entry.seq} is not signed (a journal written by Labdeck before issue 20, or by something else)` };
    }
    if (entry.signer !== first?.signer) {
      return { kind: 'broken', seq: entry.seq, message: `entry ${entry.seq} is signed by key ${fingerprintOf(entry.signer)}, entry ${first?.seq} by key ${fingerprintOf(first?.signer ?? '')}: two journals were spliced together` };
    }
    if (!entrySignatureValid(entry)) {
      return { kind: 'broken', seq: entry.seq, message: `entry ${entry.seq}: its signature does not match its content; it was edited (and re-chained) after it was signed` };
    }
  }
  return undefined;
}

export interface BindingExpectation {
  courseId: string;
  /** The grader's course version; entries of another version are named. */
  courseVersion?: string;
  /** The attendee's report key fingerprint (from the roster); a journal signed by another key is refused. */
  key?: string;
}

export interface BoundEntry extends SignedFields {
  type: string;
  courseId: string;
  courseVersion?: string;
  cluster?: string;
}

/**
 * Everything a grader must refuse in a journal whose lines and chain already read back: unsigned, signed by
 * another key than the attendee's, spliced, not bound to a cluster and course version, or for another course.
 */
export function bindingProblems(entries: readonly BoundEntry[], expected: BindingExpectation, sameKey: (a: string, b: string) => boolean): JournalProblem[] {
  const problems: JournalProblem[] = [];
  if (entries.length === 0) return [{ kind: 'unsigned', message: 'the journal has no entries, so nothing in it is signed' }];
  const signature = signatureProblem(entries);
  if (signature) problems.push(signature);
  const signer = entries[0]?.signer;
  if (!signature && expected.key !== undefined && signer !== undefined && !sameKey(expected.key, fingerprintOf(signer))) {
    problems.push({ kind: 'other-key', message: `the journal is signed by key ${fingerprintOf(signer)}, but this attendee's report key is ${expected.key}` });
  }
  const unbound = entries.find((entry) => typeof entry.cluster !== 'string' || typeof entry.courseVersion !== 'string' || entry.courseVersion === '' || (entry.type === 'check-passed' && entry.cluster === ''));
  if (unbound) {
    const what = typeof unbound.cluster !== 'string' ? 'no cluster identity' : unbound.cluster === '' ? 'a pass recorded without a cluster' : 'no course version';
    problems.push({ kind: 'unbound', seq: unbound.seq, message: `entry ${unbound.seq} is not bound: ${what}` });
  }
  const foreign = entries.find((entry) => entry.courseId !== expected.courseId);
  if (foreign) problems.push({ kind: 'foreign-course', seq: foreign.seq, message: `entry ${foreign.seq} is for course "${foreign.courseId}", not "${expected.courseId}"` });
  else if (expected.courseVersion !== undefined) {
    const other = entries.find((entry) => entry.courseVersion !== expected.courseVersion);
    if (other) problems.push({ kind: 'foreign-course', seq: other.seq, message: `entry ${other.seq} is for version ${other.courseVersion} of ${expected.courseId}, not version ${expected.courseVersion}` });
  }
  return problems;
}
