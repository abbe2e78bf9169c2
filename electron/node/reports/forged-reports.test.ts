import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSigningKey } from '../course-pack/keys.ts';
import { courseVersion } from '../course-format/lab-schema.ts';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { entryHash, EvidenceJournal, journalFile, type JournalEntry } from '../progress/evidence-journal.ts';
import { attendeeJournal, clusterOf, journalWholeCourse, noCluster } from './attendee.test-support.ts';
import { buildReport, signReport } from './build-report.ts';
import { courseOutline } from './course-outline.ts';
import { indexEntry } from './entry-index.ts';
import { exportReport } from './export-report.ts';
import { gradeReports, gradesToCsv } from './grade-reports.ts';
import type { Report } from './report-format.ts';
import { reportKeyFile } from './report-key.ts';
import { summarize } from './report-summary.ts';
import { verifyReport } from './verify-report.ts';

// Issue 20: forged journals and reports, each built by the test from a genuine export the way a cheating
// attendee would, must be named by verify-report and flagged by grade-reports; bad input must not stop a class.

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');
const LABS_GRADED = ['1.1', '1.2'];

let work: string;
let catalog: LabCatalog;
let course: { id: string; version: string };

/** The report the app exports from an attendee's data folder, after `act` wrote their journal. */
async function exported(name: string, act: (journal: EvidenceJournal) => Promise<unknown>, options: { cluster?: string } = {}): Promise<Report> {
  const dataDir = path.join(work, encodeURIComponent(name));
  await act(await attendeeJournal(dataDir, course, { attendee: name, ...(options.cluster ? { cluster: options.cluster } : {}) }));
  return JSON.parse((await exportReport({ catalog, dataDir, cluster: noCluster, labdeckVersion: 'test', attendee: name, now: new Date('2026-11-29T12:00:00Z') })).json) as Report;
}

const genuine = (name: string) => exported(name, (journal) => journalWholeCourse(journal, catalog, { uidPrefix: name, labs: LABS_GRADED }));

/** The attendee's own report key, which a cheating attendee has. */
const keyOf = (name: string) => readSigningKey(reportKeyFile(path.join(work, encodeURIComponent(name))));

/** What a forger does after editing: every hash, the chain, the index and the summary recomputed; signed again with `name`'s key. */
async function forge(report: Report, name: string, change: (entries: JournalEntry[]) => JournalEntry[], entrySignatures: 'keep' | 'drop'): Promise<Report> {
  const { signature: _signature, ...body } = report;
  const journal: JournalEntry[] = [];
  for (const [index, raw] of change(structuredClone(body.journal) as JournalEntry[]).entries()) {
    const { hash: _hash, signature, signer, ...rest } = raw;
    const content = { ...rest, ...(entrySignatures === 'keep' ? { signer } : {}), seq: index + 1, prevHash: journal.at(-1)?.hash ?? '' };
    journal.push({ ...content, hash: entryHash(content), ...(entrySignatures === 'keep' && signature ? { signature } : {}) });
  }
  return signReport({ ...body, journal, index: journal.map(indexEntry), summary: summarize(courseOutline(catalog), journal) }, await keyOf(name));
}

/**
 * `kubectl get nodes` journaled the way the engine journals it on Labdeck's cluster: with the list request
 * the API server audited (its shape as parseAuditLine gives it), or without one (`auditID` undefined).
 */
const ranGetNodes = (auditID: string | undefined, request: Record<string, string> = { verb: 'list', resource: 'nodes' }) => async (journal: EvidenceJournal) => {
  await journal.append({ type: 'step-opened', labId: '1.1', stepId: 'get-nodes' });
  const witness = auditID === undefined ? [] : [{ auditID, ...request, sourceIP: '10.1.1.5', userAgent: 'kubectl/v1.33.4 (linux/amd64) kubernetes/$Format', receivedAt: '2026-11-29T09:59:59.950Z', code: 200, command: 0 }];
  const matched = { command: 'kubectl get nodes', exitCode: 0, startedAt: '2026-11-29T09:59:59.000Z', time: '2026-11-29T10:00:00.000Z', terminal: 'jumphost', ...(auditID === undefined ? {} : { apiRequests: witness }) };
  await journal.append({ type: 'check-passed', labId: '1.1', stepId: 'get-nodes', checkId: 'ran-get-nodes', evidence: { matched } });
};

const findings = async (report: Report) => (await verifyReport(JSON.stringify(report), { course: catalog })).findings;
const grade = (reports: Record<string, Report | string>, roster?: Map<string, string>) =>
  gradeReports(
    Object.entries(reports).map(([name, report]) => ({ name, text: typeof report === 'string' ? report : JSON.stringify(report) })),
    { course: catalog, ...(roster ? { roster } : {}) },
  );

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-forged-'));
  catalog = await LabCatalog.load(LABS);
  course = { id: catalog.courseId, version: courseVersion(catalog.course) };
});
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true });
});

describe('forged journals inside reports', () => {
  it('an unsigned journal (entries written by a script), even in a report signed with the attendee key, is invalid', async () => {
    const report = await forge(await genuine('una'), 'una', (entries) => entries, 'drop');
    expect((await findings(report)).map((finding) => `${finding.kind}: ${finding.message}`)).toContain('journal: journal: entry 1 is not signed (a journal written by Labdeck before issue 20, or by something else)');
    expect((await grade({ 'una.json': report })).rows[0]?.flags).toEqual(['invalid']);
  });

  it('a journal edited and re-chained is named at the edited entry', async () => {
    const report = await forge(await genuine('reed'), 'reed', (entries) => {
      const pass = entries.find((entry) => entry.type === 'check-passed' && entry.checkId === 'ran-get-nodes');
      (pass!.evidence as { matched: { time: string } }).matched.time = '2026-11-28T10:00:00.000Z';
      return entries;
    }, 'keep');
    const seq = report.journal.find((entry) => entry.checkId === 'ran-get-nodes')?.seq;
    expect((await findings(report)).map((finding) => finding.message)).toContain(`journal: entry ${seq}: its signature does not match its content; it was edited (and re-chained) after it was signed`);
  });
});

describe('a pass needs its evidence', () => {
  it('every check claimed without evidence, signed with the attendee\'s own key, is a finding per check and never a clean grade', async () => {
    let claimed = 0;
    const report = await exported('mallory', async (journal) => {
      for (const lab of catalog.labs()) {
        for (const step of lab.file.steps) {
          await journal.append({ type: 'step-opened', labId: lab.file.id, stepId: step.id });
          for (const check of step.checks.filter((candidate) => !candidate.context)) {
            await journal.append({ type: 'check-passed', labId: lab.file.id, stepId: step.id, checkId: check.id, evidence: { message: 'done' } });
            claimed++;
          }
        }
      }
    });
    const result = await verifyReport(JSON.stringify(report), { course: catalog, expectedKey: (await keyOf('mallory')).fingerprint });
    const missing = result.findings.filter((finding) => finding.kind === 'evidence' && finding.message.includes('passed without its evidence'));
    expect(missing).toHaveLength(claimed);
    expect(result.reevaluated).toEqual({ confirmed: 0, notJudgeable: 0, kubectlSeen: 0, kubectlUnseen: 0 });
    const grades = await grade({ 'mallory.json': report }, new Map([['mallory', (await keyOf('mallory')).fingerprint]]));
    expect(grades.rows[0]?.flags).toEqual(['evidence-mismatch']);
    expect(grades.summary).toMatchObject({ clean: 0, flagged: 1 });
  });

  it('counts passes it cannot judge, and flags a report that leans on them beyond the documented limit', async () => {
    // Probes naming live objects (a pod's IP): plausible output, nothing the grader can look up again.
    const report = await exported('pat', async (journal) => {
      for (const lab of catalog.labs()) {
        for (const step of lab.file.steps) {
          for (const check of step.checks.filter((candidate) => candidate.kind === 'probe' && !candidate.context && JSON.stringify(candidate).includes('${'))) {
            await journal.append({ type: 'step-opened', labId: lab.file.id, stepId: step.id });
            await journal.append({ type: 'check-passed', labId: lab.file.id, stepId: step.id, checkId: check.id, evidence: { argv: ['curl', 'http://10.244.1.5/'], exitCode: 0, output: '200' } });
          }
        }
      }
    });
    const result = await verifyReport(JSON.stringify(report), { course: catalog });
    expect(result.reevaluated.notJudgeable).toBeGreaterThanOrEqual(3);
    expect(result.findings.map((finding) => finding.kind)).toEqual(['not-judgeable']);
    const row = (await grade({ 'pat.json': report })).rows[0];
    expect(row).toMatchObject({ flags: ['not-judgeable'], notJudgeable: result.reevaluated.notJudgeable });
  });
});

describe('copied work', () => {
  it('a journal copied into another data folder is not continued there, and a report around it is invalid', async () => {
    const alice = await genuine('alice');
    // Bob copies Alice's journal file into his own Labdeck's data folder: his Labdeck keeps it aside.
    const bobDir = path.join(work, 'bob');
    await fsp.mkdir(path.join(bobDir, 'evidence'), { recursive: true });
    await fsp.copyFile(journalFile(path.join(work, 'alice'), course.id), journalFile(bobDir, course.id));
    const bobJournal = await attendeeJournal(bobDir, course, { attendee: 'bob' });
    expect(bobJournal.entries()).toEqual([]);
    // He builds the report himself from her entries, signed with his key.
    const copied = buildReport({ outline: courseOutline(catalog), journal: alice.journal as JournalEntry[], key: await keyOf('bob'), cluster: { source: 'ca-sha256', identity: clusterOf('bob') }, attendee: 'bob', labdeckVersion: 'test' });
    const found = (await findings(copied)).map((finding) => finding.message);
    expect(found).toContainEqual(expect.stringMatching(/^journal: signed by key [0-9a-f ]+, the report by key [0-9a-f ]+: the journal comes from another attendee's Labdeck \(copied\) or was re-signed$/));
  });

  it('her evidence re-journaled through his own Labdeck shows as the same evidence (and, on her cluster, a shared cluster)', async () => {
    const alice = await genuine('alice2');
    const replay = (journal: EvidenceJournal) => (async () => {
      for (const entry of alice.journal) await journal.append({ type: entry.type, labId: entry.labId, ...(entry.stepId ? { stepId: entry.stepId } : {}), ...(entry.checkId ? { checkId: entry.checkId } : {}), ...(entry.evidence === undefined ? {} : { evidence: entry.evidence }) });
    })();
    const carl = await exported('carl', replay);
    const dora = await exported('dora', replay, { cluster: clusterOf('alice2') });
    const grades = await grade({ 'alice2.json': alice, 'carl.json': carl, 'dora.json': dora });
    const flags = Object.fromEntries(grades.rows.map((row) => [row.attendee, row.flags]));
    expect(flags).toEqual({ alice2: ['same-evidence', 'shared-cluster'], carl: ['same-evidence'], dora: ['same-evidence', 'shared-cluster'] });
    expect(grades.rows.find((row) => row.attendee === 'carl')?.problems).toContainEqual(expect.stringMatching(/^same evidence: object uid alice2-\S+ is also in alice2's report \(alice2\.json\)$/));
  });
});

describe('copied command evidence', () => {
  it('the same API server audit event in two attendees\' reports is the same evidence', async () => {
    const grades = await grade({ 'ivy.json': await exported('ivy', ranGetNodes('3f1c-ivy')), 'jon.json': await exported('jon', ranGetNodes('3f1c-ivy')), 'kim.json': await exported('kim', ranGetNodes('77aa-kim')) });
    expect(Object.fromEntries(grades.rows.map((row) => [row.attendee, row.flags]))).toEqual({ ivy: ['same-evidence'], jon: ['same-evidence'], kim: [] });
    expect(grades.rows.find((row) => row.attendee === 'jon')?.problems).toContain("same evidence: audit event 3f1c-ivy is also in ivy's report (ivy.json)");
  });

  it('says which kubectl passes the API server corroborated; a witness for another request is refused', async () => {
    const seen = await verifyReport(JSON.stringify(await exported('lea', ranGetNodes('5e5e-lea'))), { course: catalog });
    expect(seen.reevaluated).toMatchObject({ confirmed: 1, kubectlSeen: 1, kubectlUnseen: 0 });
    // The witness removed: still a pass on its command line, but not one the API server vouches for.
    const stripped = await verifyReport(JSON.stringify(await exported('max', ranGetNodes(undefined))), { course: catalog });
    expect(stripped.reevaluated).toMatchObject({ confirmed: 1, kubectlSeen: 0, kubectlUnseen: 1 });
    // A witness of another request (the pods of kube-system) does not fit `kubectl get nodes`.
    const misfit = await verifyReport(JSON.stringify(await exported('ned', ranGetNodes('9a9a-ned', { verb: 'list', resource: 'pods', namespace: 'kube-system' }))), { course: catalog });
    expect(misfit.findings.map((finding) => finding.kind)).toContain('evidence');
    expect((await grade({ 'max.json': await exported('max2', ranGetNodes(undefined)) })).rows[0]?.kubectlUnseen).toBe(1);
  });
});

describe('robust grading input', () => {
  it('a report nested 200,000 deep is unreadable, and the rest of the class is graded', async () => {
    const good = await genuine('grace');
    const deep = JSON.stringify({ ...good, attendee: { name: 'deep' } }).replace('"evidence":', `"evidence":${'['.repeat(200_000)}${']'.repeat(200_000)},"x":`);
    expect((await verifyReport(deep, { course: catalog })).findings).toEqual([{ kind: 'format', message: 'unreadable: nested deeper than 64 levels' }]);
    const grades = await grade({ 'deep.json': deep, 'grace.json': good, 'broken.json': '{"format":' });
    expect(grades.rows.map((row) => [row.file, row.flags.join(' ')])).toEqual([
      ['broken.json', 'unreadable'],
      ['deep.json', 'unreadable'],
      ['grace.json', ''],
    ]);
  });

  it('grades attendees named constructor and =formula against a roster, with spreadsheet-safe CSV', async () => {
    const reports = { 'constructor.json': await genuine('constructor'), 'formula.json': await genuine('=HYPERLINK("http://x","y")'), 'proto.json': await genuine('__proto__') };
    const roster = new Map([['constructor', (await keyOf('constructor')).fingerprint], ['__proto__', (await keyOf('__proto__')).fingerprint]]);
    const grades = await grade(reports, roster);
    expect(grades.rows.map((row) => [row.attendee, row.flags.join(' ')])).toEqual([
      ['__proto__', ''],
      ['=HYPERLINK("http://x","y")', ''],
      ['constructor', ''],
    ]);
    const csv = gradesToCsv(grades);
    expect(csv).toContain('\n"\'=HYPERLINK(""http://x"",""y"")",formula.json,');
    expect(csv.split('\n').slice(1).every((line) => !/^[=+\-@\t\r]/.test(line))).toBe(true);
  });

  it('flags a name confusable with a roster entry (bob‐student with U+2010 for bob-student)', async () => {
    const lookalike = await genuine('bob\u2010student');
    const grades = await grade({ 'lookalike.json': lookalike }, new Map([['bob-student', 'ab'.repeat(32)]]));
    expect(grades.rows[0]?.flags).toEqual(['confusable-name']);
    expect(grades.rows[0]?.problems).toContain('confusable name: "bob‐student" looks like "bob-student" on the roster but is a different name');
  });

  it('counts a hint once per hint, however often it was clicked', async () => {
    const report = await exported('hilda', async (journal) => {
      await journal.append({ type: 'step-opened', labId: '1.1', stepId: 'get-nodes' });
      for (let click = 0; click < 300; click++) await journal.append({ type: 'hint-shown', labId: '1.1', stepId: 'get-nodes', evidence: { hintsRevealed: Math.min(3, click + 1) } });
    });
    const row = (await grade({ 'hilda.json': report })).rows[0];
    expect(row?.hints).toBe(3);
    expect(row?.flags).toEqual([]);
  }, 60_000);
});
