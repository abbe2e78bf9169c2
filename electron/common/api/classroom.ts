import { z } from 'zod';
import { defineCall, defineEvent } from './define.ts';

/** One attendee report in the class view (from grade-reports, electron/node/reports/grade-reports.ts). */
export const ClassRowSchema = z.object({
  file: z.string(),
  attendee: z.string(),
  course: z.string(),
  flags: z.array(z.enum(['invalid', 're-signed', 'other-course-version', 'evidence-mismatch', 'shared-cluster', 'unreadable', 'not-judgeable', 'same-evidence', 'confusable-name'])),
  /** Lab id → share of its checks passed, 0..1. */
  labs: z.record(z.string(), z.number().min(0).max(1)),
  total: z.number(),
  problems: z.array(z.string()),
});
export type ClassRow = z.infer<typeof ClassRowSchema>;

export const ClassProgressSchema = z.object({
  dir: z.string(),
  labs: z.array(z.string()),
  rows: z.array(ClassRowSchema),
  summary: z.object({ reports: z.number().int(), clean: z.number().int(), flagged: z.number().int(), averageTotal: z.number(), averageByLab: z.record(z.string(), z.number()) }),
  /** Files that could not be read as reports at all. */
  unreadable: z.array(z.string()),
  at: z.string(),
});
export type ClassProgress = z.infer<typeof ClassProgressSchema>;

/** One report the page read from a folder the instructor dropped or chose (browser shell). */
export const maxClassReportChars = 2 * 1024 * 1024;
export const maxClassReports = 200;
export const ClassReportFileSchema = z.object({ name: z.string().trim().min(1).max(255), text: z.string().max(maxClassReportChars) }).strict();

export const classroomCalls = {
  'classroom.pickFolder': defineCall(
    z.object({}).strict(),
    z.object({ available: z.boolean(), dir: z.string().optional() }),
    'Show the native "Choose the reports folder" dialog (Electron); available is false in the browser shell, whose page reads a dropped folder instead',
  ),
  'classroom.grade': defineCall(
    z.object({ label: z.string().trim().min(1).max(255), files: z.array(ClassReportFileSchema).max(maxClassReports) }).strict(),
    ClassProgressSchema,
    'Grade reports the page read from a dropped or chosen folder (browser shell: the page cannot name a path)',
  ),
  'classroom.watch': defineCall(
    z.object({ dir: z.string().trim().min(1).max(4096) }).strict(),
    ClassProgressSchema,
    'Grade the completion reports in a folder and keep watching it (classroom.progress on every change)',
  ),
  'classroom.unwatch': defineCall(z.object({}).strict(), z.object({ stopped: z.boolean() }), 'Stop watching the reports folder'),
} as const;

export const classroomEvents = {
  'classroom.progress': defineEvent(ClassProgressSchema, 'The reports folder changed; the class table again'),
} as const;
