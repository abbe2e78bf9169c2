import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, readSigningKey } from '../course-pack/keys.ts';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { entryHash, type EvidenceJournal, type JournalEntry } from '../progress/evidence-journal.ts';
import { attendeeJournal, noCluster } from './attendee.test-support.ts';
import { signReport } from './build-report.ts';
import { exportReport, reportKeyFile } from './export-report.ts';
import { indexEntry } from './entry-index.ts';
import { gradeReports, gradesToCsv } from './grade-reports.ts';
import type { Report } from './report-format.ts';
import { summarize } from './report-summary.ts';
import { courseOutline } from './course-outline.ts';
import { verifyReport } from './verify-report.ts';
import { calls } from '../../common/api/contract.ts';
import { createReportHandlers } from './report-handlers.ts';

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');
/** labs/course.yaml's version. */
const COURSE_VERSION = '1.0.0';

let work: string;
let catalog: LabCatalog;

const ran = (command: string) => ({ matched: { command, exitCode: 0, time: '2026-11-29T10:00:00.000Z' } });
const nginxKubectl = [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx-kubectl', namespace: 'default', uid: 'u1' }, spec: { restartPolicy: 'Never', containers: [{ name: 'nginx-kubectl', image: 'nginx' }] }, status: { phase: 'Running', podIP: '10.244.1.5' } }];

type Step = Parameters<EvidenceJournal['append']>[0];
const LAB_1_1: Step[] = [
  { type: 'lab-opened', labId: '1.1' },
  { type: 'step-opened', labId: '1.1', stepId: 'get-nodes' },
  { type: 'check-passed', labId: '1.1', stepId: 'get-nodes', checkId: 'ran-get-nodes', evidence: ran('kubectl get nodes') },
  { type: 'hint-shown', labId: '1.1', stepId: 'get-nodes', checkId: 'ran-get-nodes-wide' },
  { type: 'check-passed', labId: '1.1', stepId: 'get-nodes', checkId: 'ran-get-nodes-wide', evidence: ran('kubectl get nodes -o wide') },
  { type: 'step-opened', labId: '1.1', stepId: 'kubeconfig' },
  { type: 'solution-revealed', labId: '1.1', stepId: 'kubeconfig' },
  { type: 'check-passed', labId: '1.1', stepId: 'kubeconfig', checkId: 'ran-config-view', evidence: ran('kubectl config view') },
  { type: 'check-passed', labId: '1.1', stepId: 'kubeconfig', checkId: 'ran-current-context', evidence: ran('kubectl config current-context') },
  { type: 'check-passed', labId: '1.1', stepId: 'kubeconfig', checkId: 'asked-api-version', evidence: ran('kubectl get --raw /version') },
];
const LAB_1_2_FIRST_STEP: Step[] = [
  { type: 'lab-opened', labId: '1.2' },
  { type: 'step-opened', labId: '1.2', stepId: 'run-pod' },
  { type: 'check-passed', labId: '1.2', stepId: 'run-pod', checkId: 'nginx-kubectl-running', evidence: nginxKubectl },
  { type: 'check-passed', labId: '1.2', stepId: 'run-pod', checkId: 'ran-get-pods-wide', evidence: ran('kubectl get pods -o wide') },
];

/** An attendee's data folder with a real evidence journal, and the report the app exports from it. */
async function attendeeReport(name: string, steps: Step[], version = COURSE_VERSION): Promise<Report> {
  const dataDir = path.join(work, name);
  const journal = await attendeeJournal(dataDir, { id: 'k8s-networking', version });
  let minute = 0;
  for (const step of steps) await journal.append({ ...step, time: `2026-11-29T10:${String(minute++).padStart(2, '0')}:00.000Z` });
  const exported = await exportReport({ catalog, dataDir, cluster: noCluster, labdeckVersion: 'test', attendee: name, now: new Date('2026-11-29T12:00:00Z') });
  if (version !== COURSE_VERSION) {
    // Another course version: the course outline the app had then said so.
    const report = JSON.parse(exported.json) as Report;
    const { signature: _signature, ...body } = report;
    return signReport({ ...body, course: { ...body.course, version } }, await readSigningKey(reportKeyFile(dataDir)));
  }
  return JSON.parse(exported.json) as Report;
}

/** What a forger does after editing: recompute every hash, the chain, the index and the summary. */
function recomputeChain(report: Report): Omit<Report, 'signature'> {
  const { signature: _signature, ...body } = report;
  const journal: JournalEntry[] = [];
  for (const [index, raw] of body.journal.entries()) {
    const { hash: _hash, ...rest } = raw as JournalEntry;
    const content = { ...rest, seq: index + 1, prevHash: journal.at(-1)?.hash ?? '' };
    // The entry signatures stay as they were: a forger without the attendee's key cannot renew them.
    journal.push({ ...content, hash: entryHash(content) });
  }
  return { ...body, journal, index: journal.map(indexEntry), summary: summarize(courseOutline(catalog), journal) };
}

const messages = async (report: unknown, options: Parameters<typeof verifyReport>[1] = {}) =>
  (await verifyReport(JSON.stringify(report), { course: catalog, ...options })).findings.map((finding) => finding.message);

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-report-'));
  catalog = await LabCatalog.load(LABS);
});
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true });
});

describe('completion reports', () => {
  it('exports a signed report whose passes re-run on their evidence; HTML per lab and step', async () => {
    const dataDir = path.join(work, 'export');
    const journal = await attendeeJournal(dataDir, { id: 'k8s-networking', version: COURSE_VERSION }, { attendee: 'Alice' });
    for (const step of [...LAB_1_1, ...LAB_1_2_FIRST_STEP]) await journal.append(step);
    const exported = await exportReport({ catalog, dataDir, cluster: noCluster, labdeckVersion: 'test', attendee: 'Alice' });
    expect((await fsp.stat(reportKeyFile(dataDir))).mode & 0o777).toBe(0o600);
    expect(exported.checksPassed).toBe(7);
    expect(await fsp.readFile(exported.path, 'utf8')).toBe(exported.json);

    const result = await verifyReport(exported.json, { course: catalog, expectedKey: exported.fingerprint });
    expect(result.findings).toEqual([]);
    expect(result.reevaluated).toMatchObject({ confirmed: 7, notJudgeable: 0 });

    const report = JSON.parse(exported.json) as Report;
    expect(report.course).toEqual({ id: 'k8s-networking', version: COURSE_VERSION, title: 'K8s Networking introduction' });
    const lab = report.summary.find((candidate) => candidate.id === '1.1');
    expect(lab).toMatchObject({ checksPassed: 5, checksTotal: 5 });
    expect(lab?.steps[0]).toMatchObject({ id: 'get-nodes', hintsShown: 1, solutionRevealedAt: null });
    expect(lab?.steps[1]?.solutionRevealedAt).not.toBeNull();
    expect(exported.html).toContain('Lab 1.2: YAML files and pods — 2/8 checks');
    expect(exported.html).toContain('ran `kubectl get nodes -o wide` (exit 0)');
    expect(exported.html).toContain('Pod default/nginx-kubectl');
    expect(exported.html).toContain('tamper-evident, not tamper-proof');
    expect(exported.html).toContain('Not guaranteed: that this key is the attendee');

    // The API call: validated both ways by the contract, the same key reused, the attendee's name applied.
    const handlers = createReportHandlers({ catalog, dataDir, cluster: noCluster });
    const input = calls['reports.export'].input.parse({ attendee: 'Alice Smith' });
    const viaApi = calls['reports.export'].output.parse(await handlers['reports.export'](input, { clientId: 'test' }));
    expect(viaApi.fingerprint).toBe(exported.fingerprint);
    expect((JSON.parse(viaApi.json) as Report).attendee.name).toBe('Alice Smith');
  });

  it('names a changed field, with the entry it is in', async () => {
    const report = await attendeeReport('changed', LAB_1_1);
    (report.journal[2]!.evidence as { matched: { command: string } }).matched.command = 'kubectl get pods';
    const found = await messages(report);
    expect(found).toContain('entry 3 (check-passed 1.1/get-nodes/ran-get-nodes): field evidence.matched.command was changed');
    expect(found.some((line) => line.startsWith("the signature does not match the report's content"))).toBe(true);
  });

  it('names a removed step, and reordered entries', async () => {
    const removed = await attendeeReport('removed', LAB_1_1);
    removed.journal = removed.journal.filter((entry) => entry.stepId !== 'get-nodes');
    const found = await messages(removed);
    expect(found).toContain('entry 2 (step-opened 1.1/get-nodes) was removed from the journal');
    expect(found).toContain('entry 5 (check-passed 1.1/get-nodes/ran-get-nodes-wide) was removed from the journal');

    const reordered = await attendeeReport('reordered', LAB_1_1);
    [reordered.journal[3], reordered.journal[4]] = [reordered.journal[4]!, reordered.journal[3]!];
    expect(await messages(reordered)).toContain('entries are out of order: entry 4 comes after entry 5');
  });

  it('names a report re-signed with another key, and forged evidence the course check refuses', async () => {
    const genuine = await attendeeReport('resigned', LAB_1_1);
    const forged = recomputeChain(genuine);
    (forged.journal[2]!.evidence as { matched: { command: string } }).matched.command = 'echo kubectl get nodes';
    const resigned = signReport(recomputeChain({ ...forged, signature: '' }), generateSigningKey('resigned'));
    const found = await messages(resigned, { expectedKey: genuine.signer.fingerprint });
    expect(found[0]).toMatch(/^re-signed: signed by key [0-9a-f ]+, but this attendee's report key is /);
    expect(found).toContainEqual(expect.stringMatching(/^entry 3: the recorded evidence does not pass check 1\.1\/get-nodes\/ran-get-nodes/));
    // The report's own signature holds (the forger re-signed it); the journal's entry signatures do not.
    expect(found.some((line) => line.startsWith("the signature does not match the report's content"))).toBe(false);
    expect(found).toContain('journal: entry 3: its signature does not match its content; it was edited (and re-chained) after it was signed');
    expect(found).toContainEqual(expect.stringMatching(/^journal: signed by key [0-9a-f ]+, the report by key [0-9a-f ]+: the journal comes from another attendee's Labdeck \(copied\) or was re-signed$/));
  });

  it('grades a class: good, partial, tampered, re-signed and other-version reports', async () => {
    const reports: Record<string, Report> = {
      'alice.labdeck-report.json': await attendeeReport('alice', [...LAB_1_1, ...LAB_1_2_FIRST_STEP]),
      'bob.labdeck-report.json': await attendeeReport('bob', LAB_1_1.slice(0, 5)),
      'erin.labdeck-report.json': await attendeeReport('erin', LAB_1_1, '2.0.0'),
    };
    const carol = await attendeeReport('carol', LAB_1_1.slice(0, 5));
    carol.summary[0]!.checksPassed = 5;
    reports['carol.labdeck-report.json'] = carol;
    const dave = await attendeeReport('dave', LAB_1_1.slice(0, 3));
    reports['dave.labdeck-report.json'] = dave;
    reports['dave-again.labdeck-report.json'] = signReport(recomputeChain(await attendeeReport('dave', LAB_1_1)), generateSigningKey('dave'));

    const files = Object.entries(reports).map(([name, report]) => ({ name, text: JSON.stringify(report) }));
    const grades = await gradeReports(files, { course: catalog, weights: new Map([['1.1', 3], ['1.2', 1]]) });
    const table = grades.rows.map((row) => [row.attendee, row.flags.join(' '), (row.labs['1.1'] ?? 0).toFixed(2), (row.labs['1.2'] ?? 0).toFixed(2), row.total.toFixed(1)].join(' | '));
    expect(table).toEqual([
      // Nine labs; 1.1 weighs 3, the others 1: alice = (3 × 1 + 1 × 2/8) / 11.
      'alice |  | 1.00 | 0.25 | 29.5',
      'bob |  | 0.40 | 0.00 | 10.9',
      'carol | invalid | 1.00 | 0.00 | 27.3',
      // Re-signed with a new key: the journal inside is still signed by the old one, so the report is also invalid.
      'dave | invalid re-signed | 1.00 | 0.00 | 27.3',
      'dave | re-signed | 0.20 | 0.00 | 5.5',
      'erin | other-course-version | 1.00 | 0.00 | 27.3',
    ]);
    expect(grades.rows.find((row) => row.attendee === 'carol')?.problems).toContain('summary[0].checksPassed does not match the journal');
    expect(grades.summary).toMatchObject({ reports: 6, clean: 2, flagged: 4 });
    const csv = gradesToCsv(grades);
    expect(csv.split('\n')[0]).toBe('attendee,file,course,flags,lab 1.1,lab 1.2,lab 1.3,lab 1.4,lab 1.5,lab 1.6,lab 1.7,lab 1.8,lab 1.9,total,hints,solutions,not judgeable,kubectl not seen by API server,key');
    expect(csv).toContain('class average (clean reports),,,2/6 clean,0.70,0.13');
  });
});
