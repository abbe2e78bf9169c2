import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ReportExport } from '../../common/api/reports.ts';
import type { ClusterAccess } from '../backend/ports.ts';
import type { LabCatalog } from '../labs/lab-catalog.ts';
import { journalFile, readJournal, type JournalEntry } from '../progress/evidence-journal.ts';
import { buildReport } from './build-report.ts';
import { clusterIdentity } from './cluster-identity.ts';
import { courseOutline } from './course-outline.ts';
import { defaultAttendeeName, reportKey, reportKeyFile } from './report-key.ts';
import { renderReportHtml } from './report-html.ts';

export interface ExportReportOptions {
  catalog: LabCatalog;
  dataDir: string;
  cluster: ClusterAccess;
  labdeckVersion: string;
  attendee?: string;
  now?: Date;
}

export { reportKeyFile };

async function journalOrEmpty(file: string): Promise<JournalEntry[]> {
  try {
    await fsp.access(file);
  } catch {
    return []; // Nothing done yet: an empty report is still a valid statement of that.
  }
  return readJournal(file);
}

/**
 * Exports the completion report: reads the evidence journal (a broken journal is refused by readJournal with
 * what to do), summarizes it against the course, binds it to the cluster's CA and the course id and version,
 * signs it with the attendee's report key, and writes JSON and HTML to <data dir>/reports/.
 */
export async function exportReport(options: ExportReportOptions): Promise<ReportExport> {
  const outline = courseOutline(options.catalog);
  const attendee = options.attendee ?? defaultAttendeeName();
  const key = await reportKey(options.dataDir, attendee);
  const journal = await journalOrEmpty(journalFile(options.dataDir, outline.id));
  const report = buildReport({
    outline,
    journal,
    key,
    cluster: clusterIdentity(await options.cluster.kubeConfig().catch(() => null)),
    attendee,
    labdeckVersion: options.labdeckVersion,
    ...(options.now ? { now: options.now } : {}),
  });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const html = renderReportHtml(report);
  const base = `${outline.id}-${outline.version}-${report.generatedAt.replace(/[:.]/g, '-')}`;
  const dir = path.join(options.dataDir, 'reports');
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${base}.labdeck-report.json`);
  const htmlFile = path.join(dir, `${base}.labdeck-report.html`);
  await fsp.writeFile(file, json);
  await fsp.writeFile(htmlFile, html);
  return {
    fileName: path.basename(file),
    path: file,
    htmlPath: htmlFile,
    json,
    html,
    fingerprint: key.fingerprint,
    checksPassed: report.summary.reduce((sum, lab) => sum + lab.checksPassed, 0),
    checksTotal: report.summary.reduce((sum, lab) => sum + lab.checksTotal, 0),
  };
}
