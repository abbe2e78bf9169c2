import type { CheckSpec } from '../course-format/check-spec.ts';
import { evaluateCheck } from '../checks/evaluate-check.ts';
import { commandMatchers } from '../checks/evaluate-command.ts';
import { fingerprintOf, sameFingerprint, verifySignature } from '../course-pack/keys.ts';
import type { LabCatalog } from '../labs/lab-catalog.ts';
import { canonicalJson, entryHash, type JournalEntry } from '../progress/evidence-journal.ts';
import { signedBytes } from './build-report.ts';
import { courseOutline } from './course-outline.ts';
import { changedFields } from './entry-index.ts';
import { EvidenceWorld } from './evidence-world.ts';
import { ReportSchema, type Report } from './report-format.ts';
import { outlineOfSummary, summarize } from './report-summary.ts';

export type FindingKind =
  /** Not a report at all, or not this format. */
  | 'format'
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
  /** The course's own check, run on the recorded evidence, does not pass. */
  | 'evidence';

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
  reevaluated: { confirmed: number; notJudgeable: number };
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

/**
 * A command check that names live objects (`${pod:default/nginx}.status.podIP` in an argument or URL host)
 * whose values the evidence cannot give back (recorded before evidence carried them, or a value with several
 * references): a miss on the evidence alone then proves nothing.
 */
function cannotBeJudged(check: CheckSpec, world: EvidenceWorld): boolean {
  return check.kind === 'command' && commandMatchers(check).some((matcher) => JSON.stringify(matcher).includes('${')) && !world.resolvedComplete;
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
    const world = new EvidenceWorld(entry.evidence);
    const result = await evaluateCheck(check, world, { labId: entry.labId, stepId: entry.stepId });
    if (result.status === 'passed') counts.confirmed++;
    else if (result.status === 'failed' && !cannotBeJudged(check, world)) {
      findings.push({ kind: 'evidence', entry: entry.seq, field: 'evidence', message: `entry ${entry.seq}: the recorded evidence does not pass check ${entry.labId}/${entry.stepId}/${entry.checkId}: ${result.message}` });
    } else counts.notJudgeable++;
  }
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
  const reevaluated = { confirmed: 0, notJudgeable: 0 };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { report: undefined, findings: [{ kind: 'format', message: `not JSON (${(error as Error).message})` }], reevaluated };
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
