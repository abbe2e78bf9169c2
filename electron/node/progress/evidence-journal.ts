import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { pathInside, requireSafeName } from '../course-format/safe-name.ts';
import { LabdeckError } from '../../common/errors.ts';
import { syncDirectory } from '../durable-file.ts';
import type { SigningKey } from '../course-pack/keys.ts';
import { entrySignatureValid, signEntryHash } from './journal-binding.ts';

/**
 * The evidence journal: what the attendee did and when, one JSON line per entry, append-only, per attendee
 * (the app data folder is per user) and course. It is what grading and completion reports trust, so:
 *  - write-ahead: append() resolves only after the line is on disk (fdatasync), and callers journal before
 *    they show the result, so a green badge is never ahead of its evidence, even across SIGKILL;
 *  - hash-chained: `hash` is the sha256 (hex) of the entry's canonical JSON (every field but `hash` and
 *    `signature`, keys sorted, no spaces) and `prevHash` is the previous entry's `hash` ('' for the first), so an edited,
 *    removed or reordered entry breaks the chain at that entry;
 *  - bound and signed (journal-binding.ts): each entry names the cluster (its CA fingerprint) and the course
 *    version, and carries the attendee's report key and a signature over its hash;
 *  - a torn last line (a crash in the middle of a write) is dropped when read and cut off before the next
 *    append; a broken line anywhere else is tampering or disk damage and is reported, never skipped.
 */

export type JournalEntryType = 'lab-opened' | 'step-opened' | 'check-passed' | 'check-regressed' | 'hint-shown' | 'solution-revealed';

export interface JournalEntry {
  seq: number;
  /** ISO-8601. */
  time: string;
  type: JournalEntryType;
  courseId: string;
  courseVersion: string;
  labId: string;
  stepId?: string;
  checkId?: string;
  /** The object's relevant fields, the command line and exit code, or the probe output. */
  evidence?: unknown;
  /** sha256 of the cluster's CA certificate when the entry was written ('' while no cluster is known). */
  cluster?: string;
  /** The attendee's report public key (raw Ed25519, base64). */
  signer?: string;
  /** sha256 hex of the previous entry's canonical JSON (its `hash`), '' for the first. */
  prevHash: string;
  hash: string;
  /** Ed25519 signature by `signer` over `hash` (base64); not part of the hash. */
  signature?: string;
}

export type JournalAppend = Omit<JournalEntry, 'seq' | 'time' | 'hash' | 'prevHash' | 'courseId' | 'courseVersion' | 'cluster' | 'signer' | 'signature'> & { time?: string };

/** Who writes a journal: the course, and (in the app) the attendee's report key and the cluster in use. */
export interface JournalIdentity {
  courseId: string;
  courseVersion: string;
  /** Signs every entry; without it entries are unsigned (tests of other parts), which graders refuse. */
  key?: SigningKey;
  /** The cluster's CA fingerprint now ('' without a cluster); asked once per append. */
  cluster?: () => string | Promise<string>;
  /** Called before every write: throws when this process no longer holds the data folder (data-folder-lock.ts). */
  beforeWrite?: () => Promise<void>;
}

const ENTRY_TYPES: readonly JournalEntryType[] = ['lab-opened', 'step-opened', 'check-passed', 'check-regressed', 'hint-shown', 'solution-revealed'];

/** JSON with object keys sorted at every level: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

/** The hash an entry must carry: over every field except `hash` and `signature`. */
export function entryHash(entry: Omit<JournalEntry, 'hash'> & { hash?: string }): string {
  const { hash: _hash, signature: _signature, ...content } = entry;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

interface ParsedJournal {
  entries: JournalEntry[];
  /** Bytes of the file that hold complete, verified entries (where the next append starts). */
  goodBytes: number;
}

function broken(file: string, where: string, what: string): LabdeckError {
  return new LabdeckError('internal', `The evidence journal ${file} is broken at ${where}: ${what}.`, {
    action: 'Do not edit the journal. Keep the file and give it to your instructor; Labdeck starts a new journal and keeps the broken one next to it.',
  });
}

function isEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.seq === 'number' &&
    typeof entry.time === 'string' &&
    ENTRY_TYPES.includes(entry.type as JournalEntryType) &&
    typeof entry.courseId === 'string' &&
    typeof entry.courseVersion === 'string' &&
    typeof entry.labId === 'string' &&
    (entry.stepId === undefined || typeof entry.stepId === 'string') &&
    (entry.checkId === undefined || typeof entry.checkId === 'string') &&
    (entry.cluster === undefined || typeof entry.cluster === 'string') &&
    (entry.signer === undefined || typeof entry.signer === 'string') &&
    (entry.signature === undefined || typeof entry.signature === 'string') &&
    typeof entry.prevHash === 'string' &&
    typeof entry.hash === 'string'
  );
}

function parseJournal(file: string, text: string): ParsedJournal {
  const entries: JournalEntry[] = [];
  let offset = 0;
  let goodBytes = 0;
  let firstSigner: string | undefined;
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const isLast = index === lines.length - 1;
    const lineBytes = Buffer.byteLength(line, 'utf8') + (isLast ? 0 : 1);
    offset += lineBytes;
    if (line.trim() === '') {
      if (!isLast) goodBytes = offset;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // Only the very last line can be half written by a crash; the next append cuts it off.
      if (isLast) break;
      throw broken(file, `line ${index + 1}`, 'the line is not a journal entry (not JSON)');
    }
    const previous = entries.at(-1);
    const where = `entry ${isEntry(value) ? value.seq : '?'} (line ${index + 1})`;
    if (!isEntry(value)) throw broken(file, where, 'the line is not a journal entry');
    if (value.seq !== (previous ? previous.seq + 1 : 1)) throw broken(file, where, `expected entry ${previous ? previous.seq + 1 : 1}; an entry was removed or moved`);
    if (value.prevHash !== (previous?.hash ?? '')) throw broken(file, where, 'it does not follow the entry before it; an entry was removed, inserted or edited');
    if (entryHash(value) !== value.hash) throw broken(file, where, 'its content does not match its hash; it was edited after it was written');
    // A signed entry must verify and keep the key of the first signed one; whether unsigned entries are acceptable is the reader's call.
    if (value.signature !== undefined && !entrySignatureValid(value)) throw broken(file, where, 'its signature does not match its content; it was edited (and re-chained) after it was signed');
    firstSigner ??= value.signer;
    if (value.signer !== undefined && firstSigner !== undefined && value.signer !== firstSigner) throw broken(file, where, 'it is signed by another key than the entries before it; two journals were spliced together');
    entries.push(value);
    // A complete last line without its newline is whole: keep it, and let the next append add the newline.
    goodBytes = offset;
  }
  return { entries, goodBytes };
}

/**
 * Reads and verifies a journal. Tolerates a torn last line; throws (naming the entry) when the chain is
 * broken. A missing file is an error here: a grader who names a journal expects one.
 */
export async function readJournal(file: string): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new LabdeckError('not-found', `Cannot read the evidence journal ${file}: ${(error as Error).message}`, {
      action: 'Check the path; the journal is evidence/<course>.jsonl in the Labdeck data folder of the attendee.',
      cause: error,
    });
  }
  return parseJournal(file, text).entries;
}

/** Where Labdeck keeps the journal of a course: one file per course in the (per-user) data folder. */
export function journalFile(dataDir: string, courseId: string): string {
  return pathInside(path.join(dataDir, 'evidence'), `${requireSafeName('course id', courseId)}.jsonl`);
}

export class EvidenceJournal {
  readonly file: string;
  readonly #identity: JournalIdentity;
  readonly #entries: JournalEntry[];
  /** Length of the verified content; anything beyond it (a torn line, a failed write) is cut off first. */
  #goodBytes: number;
  #needsTrim: boolean;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(file: string, identity: JournalIdentity, parsed: ParsedJournal, needsTrim: boolean) {
    this.file = file;
    this.#identity = identity;
    this.#entries = parsed.entries;
    this.#goodBytes = parsed.goodBytes;
    this.#needsTrim = needsTrim;
  }

  /**
   * Opens (or creates) the journal. A journal whose chain is broken is renamed aside (…broken-<time>.jsonl)
   * for the instructor and a new one is started: evidence is never silently merged with a tampered file.
   */
  static async open(file: string, identity: JournalIdentity): Promise<EvidenceJournal> {
    await mkdir(path.dirname(file), { recursive: true });
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === undefined) return new EvidenceJournal(file, identity, { entries: [], goodBytes: 0 }, false);
    let parsed: ParsedJournal;
    try {
      parsed = parseJournal(file, text);
    } catch (error) {
      return EvidenceJournal.#startOver(file, identity, 'broken', (error as Error).message);
    }
    // A signing journal never continues entries it cannot vouch for: unsigned (an older Labdeck) or another key's.
    const foreign = identity.key ? parsed.entries.find((entry) => entry.signer !== identity.key?.publicKey) : undefined;
    if (foreign) {
      const why = foreign.signer === undefined ? 'its entries are not signed (written by an older Labdeck)' : 'it is signed by another report key than this data folder\'s';
      return EvidenceJournal.#startOver(file, identity, foreign.signer === undefined ? 'unsigned' : 'other-key', `The evidence journal ${file} cannot be continued: ${why}.`);
    }
    return new EvidenceJournal(file, identity, parsed, parsed.goodBytes !== Buffer.byteLength(text, 'utf8') || (text.length > 0 && !text.endsWith('\n')));
  }

  /** Keeps the old journal next to the new one for the instructor, and starts a new one. */
  static async #startOver(file: string, identity: JournalIdentity, reason: string, message: string): Promise<EvidenceJournal> {
    await identity.beforeWrite?.();
    const aside = file.replace(/\.jsonl$/, '') + `.${reason}-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`;
    await rename(file, aside);
    console.warn(`${message} It was kept as ${aside}; a new journal starts now.`);
    return new EvidenceJournal(file, identity, { entries: [], goodBytes: 0 }, false);
  }

  entries(): readonly JournalEntry[] {
    return this.#entries;
  }

  /** Appends one entry and resolves once it is on disk. Appends are written in call order. */
  append(input: JournalAppend): Promise<JournalEntry> {
    const next = this.#queue.then(() => this.#write(input));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #write(input: JournalAppend): Promise<JournalEntry> {
    await this.#identity.beforeWrite?.();
    const cluster = this.#identity.cluster ? await this.#identity.cluster() : undefined;
    const key = this.#identity.key;
    const handle = await open(this.file, 'a+');
    let entry: JournalEntry;
    let line: string;
    let created: boolean;
    try {
      await this.#catchUp(handle);
      if (this.#needsTrim) {
        await handle.truncate(this.#goodBytes);
        // A complete last line that lacked its newline gets it back; a torn one is gone.
        const last = this.#entries.at(-1);
        if (last && this.#goodBytes > 0) {
          const tail = Buffer.alloc(1);
          await handle.read(tail, 0, 1, this.#goodBytes - 1);
          if (tail.toString() !== '\n') {
            await handle.write('\n');
            this.#goodBytes += 1;
          }
        }
        this.#needsTrim = false;
      }
      const previous = this.#entries.at(-1);
      const { time, ...rest } = input;
      // Round-trip evidence through JSON so what is hashed is exactly what is stored (no undefined, no Dates).
      const evidence = rest.evidence === undefined ? undefined : (JSON.parse(JSON.stringify(rest.evidence)) as unknown);
      const content: Omit<JournalEntry, 'hash'> = {
        seq: (previous?.seq ?? 0) + 1,
        time: time ?? new Date().toISOString(),
        type: rest.type,
        courseId: this.#identity.courseId,
        courseVersion: this.#identity.courseVersion,
        labId: rest.labId,
        ...(rest.stepId === undefined ? {} : { stepId: rest.stepId }),
        ...(rest.checkId === undefined ? {} : { checkId: rest.checkId }),
        ...(evidence === undefined ? {} : { evidence }),
        ...(cluster === undefined ? {} : { cluster }),
        ...(key ? { signer: key.publicKey } : {}),
        prevHash: previous?.hash ?? '',
      };
      const hash = entryHash(content);
      entry = { ...content, hash, ...(key ? { signature: signEntryHash(hash, key) } : {}) };
      line = `${canonicalJson(entry)}\n`;
      created = this.#entries.length === 0 && this.#goodBytes === 0;
      try {
        await handle.write(line);
        await handle.datasync();
      } catch (error) {
        this.#needsTrim = true;
        throw new LabdeckError('internal', `Labdeck could not write to the evidence journal ${this.file}: ${(error as Error).message}`, {
          action: 'Free some disk space or fix the folder permissions; your progress is checked again on the next change.',
          cause: error,
        });
      }
    } finally {
      await handle.close();
    }
    if (created) await syncDirectory(path.dirname(this.file));
    this.#goodBytes += Buffer.byteLength(line, 'utf8');
    this.#entries.push(entry);
    return entry;
  }

  /**
   * Another writer may have appended since this one last wrote (the data folder lock keeps other processes
   * out, but a course switch briefly has two journals in this one): read what it added, verified, so this
   * entry continues the chain instead of forking it.
   */
  async #catchUp(handle: Awaited<ReturnType<typeof open>>): Promise<void> {
    const { size } = await handle.stat();
    if (size === this.#goodBytes) return;
    // Longer: another writer's entries (or our own torn tail, which parsing drops again). Shorter: the
    // file was set aside and restarted by the other writer. Either way the file on disk is the truth.
    const text = await readFile(this.file, 'utf8');
    const parsed = parseJournal(this.file, text);
    this.#entries.splice(0, this.#entries.length, ...parsed.entries);
    this.#goodBytes = parsed.goodBytes;
    this.#needsTrim = parsed.goodBytes !== Buffer.byteLength(text, 'utf8') || (text.length > 0 && !text.endsWith('\n'));
  }
}
