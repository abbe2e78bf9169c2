import type { CallHandlers } from '../../common/api/contract.ts';
import { labdeckVersion } from '../labdeck-version.ts';
import { exportReport, type ExportReportOptions } from './export-report.ts';

/** reports.export: the attendee's signed completion report, for the "Export report" button. */
export function createReportHandlers(options: Omit<ExportReportOptions, 'attendee' | 'now' | 'labdeckVersion'>): Pick<CallHandlers, 'reports.export'> {
  return {
    'reports.export': async ({ attendee }) => exportReport({ ...options, labdeckVersion: labdeckVersion(), ...(attendee === undefined ? {} : { attendee }) }),
  };
}
