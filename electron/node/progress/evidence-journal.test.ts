import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../course-pack/keys.ts';
import { canonicalJson, entryHash, EvidenceJournal, readJournal, type JournalEntry } from './evidence-journal.ts';
import { bindingProblems } from './journal-binding.ts';

const identity = { courseId: 'k8s-networking', courseVersion: '1.0.0' };
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'labdeck-journal-'));
  file = path.join(dir, 'evidence', 'k8s-networking.jsonl');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function journalWithThreeEntries(): Promise<EvidenceJournal> {
  const journal = await EvidenceJournal.open(file, identity);
  await journal.append({ type: 'lab-opened', labId: '1.2' });
  await journal.append({ type: 'step-opened', labId: '1.2', stepId: 'apply' });
  await journal.append({ type: 'check-passed', labId: '1.2', stepId: 'apply', checkId: 'ran-apply', evidence: { matched: { command: 'kubectl apply -f nginx.yaml', exitCode: 0 } } });
  return journal;
}

describe('EvidenceJournal', () => {
  it('appends numbered, hash-chained entries that a reader verifies', async () => {
    const journal = await journalWithThreeEntries();
    const entries = await readJournal(file);
    expect(entries).toEqual(journal.entries());
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(entries[0]?.prevHash).toBe('');
    expect(entries[1]?.prevHash).toBe(entries[0]?.hash);
    expect(entries[2]).toMatchObject({ type: 'check-passed', courseId: 'k8s-networking', courseVersion: '1.0.0', stepId: 'apply', evidence: { matched: { exitCode: 0 } } });
    for (const entry of entries) expect(entry.hash).toBe(entryHash(entry));
  });

  it('continues the chain after a restart', async () => {
    await journalWithThreeEntries();
    const reopened = await EvidenceJournal.open(file, identity);
    await reopened.append({ type: 'hint-shown', labId: '1.2', stepId: 'apply' });
    expect((await readJournal(file)).map((entry) => `${entry.seq} ${entry.type}`)).toEqual(['1 lab-opened', '2 step-opened', '3 check-passed', '4 hint-shown']);
  });

  it('survives a torn last line: the reader drops it and the next append cuts it off', async () => {
    await journalWithThreeEntries();
    await appendFile(file, '{"seq":4,"time":"2026-');
    expect(await readJournal(file)).toHaveLength(3);
    const reopened = await EvidenceJournal.open(file, identity);
    await reopened.append({ type: 'solution-revealed', labId: '1.2', stepId: 'apply' });
    const entries = await readJournal(file);
    expect(entries.map((entry) => entry.type)).toEqual(['lab-opened', 'step-opened', 'check-passed', 'solution-revealed']);
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(4);
  });

  it('detects an edited entry and names it', async () => {
    await journalWithThreeEntries();
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"exitCode":0', '"exitCode":1'));
    await expect(readJournal(file)).rejects.toThrow(/broken at entry 3 \(line 3\): its content does not match its hash/);
  });

  it('detects a removed entry', async () => {
    await journalWithThreeEntries();
    const lines = (await readFile(file, 'utf8')).split('\n');
    await writeFile(file, [lines[0], lines[2], ''].join('\n'));
    await expect(readJournal(file)).rejects.toThrow(/broken at entry 3 \(line 2\)/);
  });

  it('sets a tampered journal aside and starts a new one instead of extending it', async () => {
    await journalWithThreeEntries();
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('ran-apply', 'ran-apply-x'));
    const journal = await EvidenceJournal.open(file, identity);
    expect(journal.entries()).toEqual([]);
    await journal.append({ type: 'lab-opened', labId: '1.3' });
    expect(await readJournal(file)).toHaveLength(1);
    expect((await readdir(path.dirname(file))).some((name) => name.includes('.broken-'))).toBe(true);
  });

  it('continues one chain when two Labdecks on the same data folder append in turn', async () => {
    const window = await EvidenceJournal.open(file, identity);
    const server = await EvidenceJournal.open(file, identity);
    await window.append({ type: 'lab-opened', labId: '1.1' });
    await server.append({ type: 'hint-shown', labId: '1.1', stepId: 'a' });
    await window.append({ type: 'solution-revealed', labId: '1.1', stepId: 'a' });
    expect((await readJournal(file)).map((entry) => `${entry.seq} ${entry.type}`)).toEqual(['1 lab-opened', '2 hint-shown', '3 solution-revealed']);
  });

  it('keeps every acknowledged entry when the process is killed with SIGKILL mid-stream', async () => {
    const writer = path.join(path.dirname(fileURLToPath(import.meta.url)), 'evidence-journal.kill-writer.test-support.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acknowledged = 0;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const seqs = chunk.toString().trim().split('\n').map(Number);
        acknowledged = Math.max(acknowledged, ...seqs);
        if (acknowledged >= 40) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => (acknowledged < 40 ? reject(new Error(`the writer exited early (${code})`)) : undefined));
    });
    await new Promise((resolve) => child.on('close', resolve));
    const entries = await readJournal(file);
    expect(entries.length).toBeGreaterThanOrEqual(acknowledged);
    const reopened = await EvidenceJournal.open(file, identity);
    await reopened.append({ type: 'lab-opened', labId: '1.9' });
    expect((await readJournal(file)).at(-1)?.seq).toBe(entries.length + 1);
  }, 30_000);

  describe('signed and bound (issue 20)', () => {
    const key = generateSigningKey('Alice');
    const cluster = 'ab'.repeat(32);
    const signed = { ...identity, key, cluster: () => cluster };
    const sameKey = (a: string, b: string) => a.replace(/ /g, '') === b.replace(/ /g, '');

    async function signedJournal(): Promise<JournalEntry[]> {
      const journal = await EvidenceJournal.open(file, signed);
      await journal.append({ type: 'lab-opened', labId: '1.2' });
      await journal.append({ type: 'step-opened', labId: '1.2', stepId: 'apply' });
      await journal.append({ type: 'check-passed', labId: '1.2', stepId: 'apply', checkId: 'ran-apply', evidence: { matched: { command: 'kubectl apply -f nginx.yaml', exitCode: 0 } } });
      return [...journal.entries()];
    }

    async function rewrite(entries: JournalEntry[]): Promise<void> {
      await writeFile(file, entries.map((entry) => `${canonicalJson(entry)}\n`).join(''));
    }

    /** What a script does after editing: every hash and the chain recomputed; the signatures it cannot renew. */
    function rechain(entries: JournalEntry[], keep: 'signatures' | 'none'): JournalEntry[] {
      const out: JournalEntry[] = [];
      for (const entry of entries) {
        const { hash: _hash, signature, signer, ...rest } = entry;
        const content = { ...rest, ...(keep === 'signatures' ? { signer } : {}), prevHash: out.at(-1)?.hash ?? '' };
        out.push({ ...content, hash: entryHash(content), ...(keep === 'signatures' && signature ? { signature } : {}) });
      }
      return out;
    }

    it('carries the cluster, course version and key in every entry, and a grader finds nothing to refuse', async () => {
      const entries = await signedJournal();
      expect(await readJournal(file)).toEqual(entries);
      for (const entry of entries) expect(entry).toMatchObject({ cluster, courseId: 'k8s-networking', courseVersion: '1.0.0', signer: key.publicKey, signature: expect.any(String) });
      expect(bindingProblems(entries, { courseId: 'k8s-networking', courseVersion: '1.0.0', key: key.fingerprint }, sameKey)).toEqual([]);
    });

    it('refuses a journal edited and re-chained without the key, naming the entry', async () => {
      const entries = await signedJournal();
      (entries[2]!.evidence as { matched: { exitCode: number } }).matched.exitCode = 0;
      (entries[2]!.evidence as { matched: { command: string } }).matched.command = 'kubectl apply -f forged.yaml';
      await rewrite(rechain(entries, 'signatures'));
      await expect(readJournal(file)).rejects.toThrow(/broken at entry 3 \(line 3\): its signature does not match its content/);
    });

    it('names an unsigned, unbound, foreign-course or other-key journal', async () => {
      const entries = await signedJournal();
      const expected = { courseId: 'k8s-networking', courseVersion: '1.0.0', key: key.fingerprint };
      const kinds = (list: JournalEntry[], expectation = expected) => bindingProblems(list, expectation, sameKey).map((problem) => problem.kind);
      expect(kinds(rechain(entries, 'none'))).toEqual(['unsigned']);
      expect(kinds(entries.map((entry) => ({ ...entry, cluster: entry.type === 'check-passed' ? '' : entry.cluster })))).toEqual(['unbound']);
      expect(kinds(entries, { ...expected, courseId: 'other-course' })).toEqual(['foreign-course']);
      expect(kinds(entries, { ...expected, courseVersion: '2.0.0' })).toEqual(['foreign-course']);
      expect(kinds(entries, { ...expected, key: generateSigningKey('Mallory').fingerprint })).toEqual(['other-key']);
    });

    it('never continues an unsigned journal or one of another key: it is kept aside and a new one starts', async () => {
      await journalWithThreeEntries();
      const reopened = await EvidenceJournal.open(file, signed);
      expect(reopened.entries()).toEqual([]);
      await reopened.append({ type: 'lab-opened', labId: '1.1' });
      const copied = await EvidenceJournal.open(file, { ...signed, key: generateSigningKey('Bob') });
      expect(copied.entries()).toEqual([]);
      // Both kept for the instructor; the new journal's file appears with its first entry.
      const names = (await readdir(path.dirname(file))).sort();
      expect(names).toEqual([expect.stringMatching(/^k8s-networking\.other-key-.*\.jsonl$/), expect.stringMatching(/^k8s-networking\.unsigned-.*\.jsonl$/)]);
    });
  });
});
