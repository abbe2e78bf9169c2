import { z } from 'zod';
import { defineCall } from './define.ts';

export const ReportExportSchema = z.object({
  /** Suggested file name, e.g. k8s-networking-1.0.0-2026-11-29T15-20-00Z.labdeck-report.json. */
  fileName: z.string(),
  /** Where the backend also saved both files (the attendee's data folder). */
  path: z.string(),
  htmlPath: z.string(),
  /** The signed report, as the grader's `labdeck verify-report` reads it. */
  json: z.string(),
  /** The readable view of the same report. */
  html: z.string(),
  fingerprint: z.string(),
  checksPassed: z.number().int(),
  checksTotal: z.number().int(),
});
export type ReportExport = z.infer<typeof ReportExportSchema>;

export const reportCalls = {
  'reports.export': defineCall(
    z.object({ attendee: z.string().trim().min(1).max(200).optional() }).strict(),
    ReportExportSchema,
    'Export the signed completion report (JSON and HTML) from the evidence journal',
  ),
} as const;
