import { z } from 'zod';

/**
 * A completion report (<course>-<time>.labdeck-report.json): the attendee's evidence journal, its summary per
 * lab and step, bound to the course (id, version) and to the cluster it was gathered on, signed with the
 * attendee's Ed25519 report key. It is tamper-evident, not tamper-proof: the attendee owns the machine and
 * the key, so a determined attendee can forge a consistent report with a new key. What a grader can rely on
 * is that edits are named, and that a key other than the attendee's known one shows as "re-signed".
 */

/** 2: journal entries carry the cluster, the report key and a signature each (issue 20). */
export const REPORT_FORMAT = 'labdeck-report/2';

export const JournalEntrySchema = z
  .object({
    seq: z.number().int(),
    time: z.string(),
    type: z.enum(['lab-opened', 'step-opened', 'check-passed', 'check-regressed', 'hint-shown', 'solution-revealed']),
    courseId: z.string(),
    courseVersion: z.string(),
    labId: z.string(),
    stepId: z.string().optional(),
    checkId: z.string().optional(),
    evidence: z.unknown().optional(),
    /** The cluster's CA sha256 when the entry was written ('' without a cluster). */
    cluster: z.string().optional(),
    /** The attendee's report public key, and its signature over `hash`: verify-report names entries without them. */
    signer: z.string().optional(),
    prevHash: z.string(),
    hash: z.string(),
    signature: z.string().optional(),
  })
  .strict();

/** Per journal entry, signed: its hash, a label, and a digest per field, so an edit names its field. */
export const EntryIndexSchema = z
  .object({
    seq: z.number().int(),
    label: z.string(),
    hash: z.string(),
    fields: z.record(z.string(), z.string()),
  })
  .strict();

export const CheckOutcomeSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    kind: z.string(),
    /** Time of the pass that stands (not regressed since), or null. */
    passedAt: z.string().nullable(),
    /** seq of the journal entry holding that pass and its evidence. */
    entry: z.number().int().nullable(),
  })
  .strict();

export const StepOutcomeSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    openedAt: z.string().nullable(),
    /** When the last of its checks passed, if they all stand. */
    passedAt: z.string().nullable(),
    checks: z.array(CheckOutcomeSchema),
    hintsShown: z.number().int(),
    solutionRevealedAt: z.string().nullable(),
  })
  .strict();

export const LabOutcomeSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    steps: z.array(StepOutcomeSchema),
    checksPassed: z.number().int(),
    checksTotal: z.number().int(),
  })
  .strict();

export const SignerSchema = z.object({ name: z.string(), publicKey: z.string(), fingerprint: z.string() }).strict();

export const ReportBodySchema = z
  .object({
    format: z.literal(REPORT_FORMAT),
    generatedAt: z.string(),
    labdeckVersion: z.string(),
    attendee: z.object({ name: z.string() }).strict(),
    course: z.object({ id: z.string(), version: z.string(), title: z.string() }).strict(),
    /** The cluster the evidence came from: its CA certificate's sha256 (kubeadm makes one per cluster). */
    cluster: z.object({ source: z.enum(['ca-sha256', 'server-sha256', 'none']), identity: z.string() }).strict(),
    journal: z.array(JournalEntrySchema),
    index: z.array(EntryIndexSchema),
    summary: z.array(LabOutcomeSchema),
    signer: SignerSchema,
  })
  .strict();

export const ReportSchema = ReportBodySchema.extend({ signature: z.string() }).strict();

export type ReportBody = z.infer<typeof ReportBodySchema>;
export type Report = z.infer<typeof ReportSchema>;
export type LabOutcome = z.infer<typeof LabOutcomeSchema>;
export type StepOutcome = z.infer<typeof StepOutcomeSchema>;
export type EntryIndex = z.infer<typeof EntryIndexSchema>;

/** The labs, steps and checks of the course, as the summary lists them (titles included for people). */
export interface CourseOutline {
  id: string;
  version: string;
  title: string;
  labs: Array<{ id: string; title: string; steps: Array<{ id: string; title: string; checks: Array<{ id: string; title: string; kind: string; context?: boolean }> }> }>;
}
