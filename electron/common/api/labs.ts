import { z } from 'zod';
import { defineCall, defineEvent } from './define.ts';

export const CheckStatusSchema = z.enum(['passed', 'failed', 'error', 'waiting', 'skipped']);
export type CheckStatus = z.infer<typeof CheckStatusSchema>;

/** The verdict of one check, with the evidence it was judged on (object fields, probe output...). */
export const CheckResultSchema = z.object({
  labId: z.string(),
  stepId: z.string(),
  checkId: z.string(),
  kind: z.enum(['resource', 'command', 'probe', 'http']),
  status: CheckStatusSchema,
  message: z.string(),
  evidence: z.unknown().optional(),
  /** The hint written for the assertion that failed, if the lab attached one. */
  hint: z.string().optional(),
  /** Once-mode checks keep passing after they passed once. */
  sticky: z.boolean().optional(),
  /**
   * A passed once-mode resource check whose objects no longer match (deleted by a later step, or by the
   * attendee): what the cluster shows now. The check still counts; the UI says it is gone.
   */
  noLongerHolds: z.string().optional(),
  at: z.string(),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;

export const SnippetSchema = z.object({
  id: z.string(),
  kind: z.enum(['command', 'manifest']),
  title: z.string().optional(),
  language: z.enum(['bash', 'yaml']),
  content: z.string(),
  /** For manifests: the file name the editor opens it under, e.g. nginx-pod.yaml. */
  fileName: z.string().optional(),
  /** For commands meant for a node's shell (master1, worker1 …); the jumphost's otherwise. */
  node: z.string().optional(),
  /** For commands meant for the host shell tab (the attendee's laptop, e.g. lab 1.9's curl http://localhost:30080/). */
  host: z.literal(true).optional(),
});
export type Snippet = z.infer<typeof SnippetSchema>;

export const ObjectRefSchema = z.object({
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
});
export type ObjectRef = z.infer<typeof ObjectRefSchema>;

export const StepViewSchema = z.object({
  id: z.string(),
  title: z.string(),
  instructions: z.string(),
  snippets: z.array(SnippetSchema),
  hints: z.array(z.object({ text: z.string(), forCheck: z.string().optional() })),
  solution: z.string(),
  checks: z.array(z.object({ id: z.string(), title: z.string(), kind: z.enum(['resource', 'command', 'probe', 'http']), mode: z.enum(['holds', 'once']) })),
  /** Objects this step is about; the network map highlights them. */
  focus: z.array(ObjectRefSchema),
});
export type StepView = z.infer<typeof StepViewSchema>;

export const LabSummarySchema = z.object({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  summary: z.string(),
  objectives: z.array(z.string()),
  durationMinutes: z.number(),
  requires: z.array(z.string()),
  steps: z.array(z.object({ id: z.string(), title: z.string() })),
});
export type LabSummary = z.infer<typeof LabSummarySchema>;

export const LabViewSchema = LabSummarySchema.extend({
  introduction: z.string(),
  steps: z.array(StepViewSchema),
});
export type LabView = z.infer<typeof LabViewSchema>;

export const StepProgressSchema = z.object({
  status: z.enum(['todo', 'done']),
  passedAt: z.string().optional(),
  hintsRevealed: z.number().int().min(0),
  solutionViewed: z.boolean(),
});
export const LabProgressSchema = z.object({
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
  activeMs: z.number().min(0),
  steps: z.record(z.string(), StepProgressSchema),
});
export const ProgressStateSchema = z.object({
  courseId: z.string(),
  active: z.object({ labId: z.string(), stepId: z.string() }).optional(),
  labs: z.record(z.string(), LabProgressSchema),
  /** Set when saved progress was damaged and recovered (never saved): the UI tells the attendee. */
  notice: z.string().optional(),
  /** Set while progress (or the evidence journal) cannot be written (never saved): the UI says it is not saved. */
  saveError: z.string().optional(),
});
export type ProgressState = z.infer<typeof ProgressStateSchema>;
export type LabProgress = z.infer<typeof LabProgressSchema>;
export type StepProgress = z.infer<typeof StepProgressSchema>;

const LabId = z.string().regex(/^[0-9]+\.[0-9]+$/, 'lab ids look like 1.2');
const StepId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'step ids are lower-case words joined by dashes');
const Empty = z.object({}).strict();

export const labCalls = {
  'labs.list': defineCall(Empty, z.array(LabSummarySchema), 'All labs of the course, in order'),
  'labs.get': defineCall(z.object({ labId: LabId }).strict(), LabViewSchema, 'One lab with its steps'),
  'labs.activate': defineCall(
    z.object({ labId: LabId, stepId: StepId }).strict(),
    z.array(CheckResultSchema),
    'Make a step the active one; its checks start (and keep) evaluating',
  ),
  'labs.results': defineCall(z.object({ labId: LabId }).strict(), z.array(CheckResultSchema), 'Latest result of every check of a lab'),
  'labs.cleanup': defineCall(
    z.object({ labId: LabId, stepId: StepId.optional() }).strict(),
    z.object({ deleted: z.array(ObjectRefSchema) }),
    'Delete what the lab (or one step) created, nothing else',
  ),
  'progress.get': defineCall(Empty, ProgressStateSchema, 'Saved progress of this course'),
  'progress.revealHint': defineCall(
    z.object({ labId: LabId, stepId: StepId }).strict(),
    ProgressStateSchema,
    'Record that the next hint of a step was revealed',
  ),
  'progress.viewSolution': defineCall(z.object({ labId: LabId, stepId: StepId }).strict(), ProgressStateSchema, 'Record that a solution was opened'),
  'progress.reset': defineCall(z.object({ labId: LabId.optional() }).strict(), ProgressStateSchema, 'Forget progress of one lab or all'),
} as const;

export const labEvents = {
  'checks.result': defineEvent(CheckResultSchema, 'A check changed its verdict'),
  'progress.changed': defineEvent(ProgressStateSchema, 'Progress was saved'),
} as const;
