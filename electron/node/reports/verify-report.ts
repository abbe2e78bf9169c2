import { fingerprintOf, sameFingerprint, verifySignature } from '../course-pack/keys.ts';
import type { LabCatalog } from '../labs/lab-catalog.ts';
import { canonicalJson, entryHash, type JournalEntry } from '../progress/evidence-journal.ts';
import { signedBytes } from './build-report.ts';
import { courseOutline } from './course-outline.ts';
import { changedFields } from './entry-index.ts';
import { signatureProblem } from '../progress/journal-binding.ts';
import { judgeEvidence, NOT_JUDGEABLE_LIMIT, tallyApi, tooManyNotJudgeable, type ApiTally } from './evidence-judgement.ts';
import { REPORT_FORMAT, ReportSchema, type Report } from './report-format.ts';
import { reportShapeProblem } from './report-limits.ts';
import { outlineOfSummary, summarize } from './report-summary.ts';

export type FindingKind =
  /** Not a report at all, or not this format, or beyond the size and depth limits: unreadable. */
  | 'format'
  /** The journal inside is unsigned, spliced, signed by another key than the report, or not bound to a cluster. */
  | 'journal'
  /** The signature does not cover this content. */
  | 'signature'
  /** Signed, but not by the key the grader expected for this attendee. */
  | 're-signed'
  /** An entry edited, removed, inserted or moved. */
  | 'entry'
  /** The summary does not say what the journal says. */
  | 'summary'
  /** Another course, or another version of it, than the grader's. */
  | 'course'
  /** A pass without its evidence, or whose evidence does not pass the course's own check again. */
  | 'evidence'
  /** More recorded passes than the documented limit cannot be judged from their evidence alone. */
  | 'not-judgeable';

export interface Finding {
  kind: FindingKind;
  message: string;
  /** The journal entry it is about (seq), when it is about one. */
  entry?: number;
  field?: string;
}

export interface ReportVerification {
  report: Report | undefined;
  findings: Finding[];
  /** Checks re-run on their evidence: passed again, or could not be judged from the evidence alone. */
  reevaluated: { confirmed: number; notJudgeable: number } & ApiTally;
}

export interface VerifyOptions {
  /** The grader's copy of the course: binds id and version and supplies the check definitions. */
  course?: LabCatalog;
  /** The attendee's known report key (fingerprint); a report signed by any other key is "re-signed". */
  expectedKey?: string;
}

/** The journal as the signed index describes it: which entries were removed, reordered, edited, and where. */
function entryFindings(report: Report): Finding[] {
  const findings: Finding[] = [];
  const indexBySeq = new Map(report.index.map((item) => [item.seq, item]));
  const journalSeqs = report.journal.map((entry) => entry.seq);
  const present = new Set(journalSeqs);

  for (const item of report.index) {
    if (!present.has(item.seq)) findings.push({ kind: 'entry', entry: item.seq, message: `entry ${item.seq} (${item.label}) was removed from the journal` });
  }
  // Reordered: the same entries, not in ascending order.
  const firstOutOfOrder = journalSeqs.findIndex((seq, index) => index > 0 && seq < (journalSeqs[index - 1] ?? 0));
  if (firstOutOfOrder > 0) {
    findings.push({ kind: 'entry', entry: journalSeqs[firstOutOfOrder], message: `entries are out of order: entry ${journalSeqs[firstOutOfOrder]} comes after entry ${journalSeqs[firstOutOfOrder - 1]}` });
  }
  let previous: JournalEntry | undefined;
  for (const raw of report.journal) {
    const entry = raw as JournalEntry;
    const recorded = indexBySeq.get(entry.seq);
    if (!recorded) {
      findings.push({ kind: 'entry', entry: entry.seq, message: `entry ${entry.seq} was added to the journal (the signed index does not have it)` });
    } else {
      for (const field of changedFields(entry, recorded)) {
        findings.push({ kind: 'entry', entry: entry.seq, field, message: `entry ${entry.seq} (${recorded.label}): field ${field} was changed` });
      }
    }
    if (entryHash(entry) !== entry.hash && !(recorded && changedFields(entry, recorded).length > 0)) {
      findings.push({ kind: 'entry', entry: entry.seq, field: 'hash', message: `entry ${entry.seq}: its content does not match its hash` });
    }
    if (previous && entry.prevHash !== previous.hash && firstOutOfOrder < 0) {
      findings.push({ kind: 'entry', entry: entry.seq, field: 'prevHash', message: `entry ${entry.seq} does not follow entry ${previous.seq}: the chain is broken there (an entry before it was removed or changed)` });
    }
    previous = entry;
  }
  return findings;
}

/** Runs each recorded pass's check, from the course, on its own evidence. */
async function evidenceFindings(report: Report, catalog: LabCatalog, counts: ReportVerification['reevaluated']): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const raw of report.journal) {
    const entry = raw as JournalEntry;
    if (entry.type !== 'check-passed' || !entry.stepId || !entry.checkId) continue;
    const step = catalog.step(entry.labId, entry.stepId);
    const check = step?.spec.checks.find((candidate) => candidate.id === entry.checkId);
    if (!check) {
      findings.push({ kind: 'evidence', entry: entry.seq, message: `entry ${entry.seq}: lab ${entry.labId} step ${entry.stepId} has no check "${entry.checkId}" in this course` });
      continue;
    }
    const judgement = await judgeEvidence(check, entry.evidence, { labId: entry.labId, stepId: entry.stepId });
    if (judgement.verdict === 'confirmed') {
      counts.confirmed++;
      tallyApi(counts, check, entry.evidence);
    } else if (judgement.verdict === 'not-judgeable') counts.notJudgeable++;
    else findings.push({ kind: 'evidence', entry: entry.seq, field: 'evidence', message: `entry ${entry.seq}: ${judgement.reason}` });
  }
  if (tooManyNotJudgeable(counts)) {
    findings.push({
      kind: 'not-judgeable',
      message: `${counts.notJudgeable} of ${counts.confirmed + counts.notJudgeable} recorded passes cannot be judged from their evidence alone (more than ${NOT_JUDGEABLE_LIMIT.share * 100} %): look at them before trusting this report`,
    });
  }
  return findings;
}

/** The journal as signed by the attendee's Labdeck: every entry signed by the report's own key, each pass bound to a cluster. */
function journalFindings(report: Report): Finding[] {
  const findings: Finding[] = [];
  const entries = report.journal as JournalEntry[];
  const problem = signatureProblem(entries);
  if (problem) findings.push({ kind: 'journal', ...(problem.seq === undefined ? {} : { entry: problem.seq }), message: `journal: ${problem.message}` });
  const signer = entries.find((entry) => entry.signer !== undefined)?.signer;
  if (signer !== undefined && signer !== report.signer.publicKey) {
    findings.push({
      kind: 'journal',
      field: 'signer',
      message: `journal: signed by key ${fingerprintOf(signer)}, the report by key ${fingerprintOf(report.signer.publicKey)}: the journal comes from another attendee's Labdeck (copied) or was re-signed`,
    });
  }
  const unbound = entries.find((entry) => entry.type === 'check-passed' && !entry.cluster);
  if (unbound) findings.push({ kind: 'journal', entry: unbound.seq, message: `journal: entry ${unbound.seq} records a pass without the cluster it was gathered on` });
  return findings;
}

/** The first path where two JSON values differ, for naming what a summary edit changed. */
function firstDifference(a: unknown, b: unknown, path = 'summary'): string | undefined {
  if (canonicalJson(a) === canonicalJson(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const inner = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`);
      if (inner) return inner;
    }
  }
  return path;
}

/**
 * Verifies a completion report: the signature over its content, every journal entry against the signed index
 * and the hash chain, the summary against the journal, the course binding, and (with the course) every
 * recorded pass re-run on its evidence. Every edit comes back as a finding naming entry and field.
 */
export async function verifyReport(text: string, options: VerifyOptions = {}): Promise<ReportVerification> {
  const reevaluated = { confirmed: 0, notJudgeable: 0, kubectlSeen: 0, kubectlUnseen: 0 };
  const shape = reportShapeProblem(text);
  if (shape) return { report: undefined, findings: [{ kind: 'format', message: `unreadable: ${shape}` }], reevaluated };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { report: undefined, findings: [{ kind: 'format', message: `unreadable: not JSON (${(error as Error).message})` }], reevaluated };
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (typeof format === 'string' && format !== REPORT_FORMAT && format.startsWith('labdeck-report/')) {
    return { report: undefined, findings: [{ kind: 'format', message: `unreadable: a ${format.slice(0, 40)} report, this Labdeck reads ${REPORT_FORMAT} (its journal is signed and bound to the cluster); ask the attendee to export again` }], reevaluated };
  }
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { report: undefined, findings: [{ kind: 'format', message: `not a Labdeck completion report: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}` }], reevaluated };
  }
  const report = parsed.data;
  const findings: Finding[] = [];
  const { signature, ...body } = report;

  if (!sameFingerprint(report.signer.fingerprint, fingerprintOf(report.signer.publicKey))) {
    findings.push({ kind: 'signature', field: 'signer.fingerprint', message: 'signer.fingerprint does not belong to signer.publicKey' });
  }
  if (!verifySignature(signedBytes(body), signature, report.signer.publicKey)) {
    findings.push({ kind: 'signature', message: `the signature does not match the report's content: it was changed after key ${report.signer.fingerprint} signed it` });
  }
  if (options.expectedKey && !sameFingerprint(options.expectedKey, fingerprintOf(report.signer.publicKey))) {
    findings.push({ kind: 're-signed', field: 'signer', message: `re-signed: signed by key ${fingerprintOf(report.signer.publicKey)}, but this attendee's report key is ${options.expectedKey}` });
  }

  findings.push(...entryFindings(report));
  findings.push(...journalFindings(report));
  const stray = report.journal.filter((entry) => entry.courseId !== report.course.id || entry.courseVersion !== report.course.version);
  for (const entry of stray) {
    findings.push({ kind: 'course', entry: entry.seq, message: `entry ${entry.seq} was recorded for ${entry.courseId} ${entry.courseVersion}, the report is for ${report.course.id} ${report.course.version}` });
  }

  const given = options.course ? courseOutline(options.course) : undefined;
  const sameCourse = given !== undefined && given.id === report.course.id && given.version === report.course.version;
  if (given && !sameCourse) {
    findings.push({ kind: 'course', field: 'course', message: `other course version: the report is for course ${report.course.id} version ${report.course.version}; the course given is ${given.id} version ${given.version}` });
  }
  // The grader's course says which labs, steps and checks there are; without it (or for another version), the
  // report's own summary does, and only the passes, hints and times in it are checked against the journal.
  const outline = given && sameCourse ? given : outlineOfSummary(report.course, report.summary);
  const difference = firstDifference(report.summary, summarize(outline, report.journal as JournalEntry[]));
  if (difference) findings.push({ kind: 'summary', field: difference, message: `${difference} does not match the journal` });

  if (options.course) findings.push(...(await evidenceFindings(report, options.course, reevaluated)));
  return { report, findings, reevaluated };
}
