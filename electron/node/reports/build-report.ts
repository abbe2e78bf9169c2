import { canonicalJson, type JournalEntry } from '../progress/evidence-journal.ts';
import { sign, signerOf, type SigningKey } from '../course-pack/keys.ts';
import type { ClusterIdentity } from './cluster-identity.ts';
import { indexEntry } from './entry-index.ts';
import { REPORT_FORMAT, type CourseOutline, type Report, type ReportBody } from './report-format.ts';
import { summarize } from './report-summary.ts';

export interface BuildReportInput {
  outline: CourseOutline;
  journal: readonly JournalEntry[];
  key: SigningKey;
  cluster: ClusterIdentity;
  attendee: string;
  labdeckVersion: string;
  now?: Date;
}

/** The bytes a report's signature covers: every field but `signature`, as canonical JSON. */
export function signedBytes(body: ReportBody): Buffer {
  return Buffer.from(canonicalJson(body));
}

/** Builds and signs a completion report from the journal. */
export function buildReport(input: BuildReportInput): Report {
  const body: ReportBody = {
    format: REPORT_FORMAT,
    generatedAt: (input.now ?? new Date()).toISOString(),
    labdeckVersion: input.labdeckVersion,
    attendee: { name: input.attendee },
    course: { id: input.outline.id, version: input.outline.version, title: input.outline.title },
    cluster: input.cluster,
    journal: input.journal.map((entry) => ({ ...entry })),
    index: input.journal.map(indexEntry),
    summary: summarize(input.outline, input.journal),
    signer: signerOf(input.key),
  };
  return { ...body, signature: sign(signedBytes(body), input.key) };
}

/** Re-signs a body (tests and tools that show what a forger could do). */
export function signReport(body: ReportBody, key: SigningKey): Report {
  const signed = { ...body, signer: signerOf(key) };
  return { ...signed, signature: sign(signedBytes(signed), key) };
}
