import type { LabCatalog } from '../labs/lab-catalog.ts';
import { courseVersion } from '../course-format/lab-schema.ts';
import { fingerprintOf, sameFingerprint } from '../course-pack/keys.ts';
import { evidenceFingerprints, type EvidenceFingerprints } from './evidence-fingerprints.ts';
import { confusable } from './name-confusables.ts';
import { verifyReport, type Finding, type ReportVerification } from './verify-report.ts';

export type GradeFlag = 'invalid' | 're-signed' | 'other-course-version' | 'evidence-mismatch' | 'shared-cluster' | 'unreadable' | 'not-judgeable' | 'same-evidence' | 'confusable-name';

export interface GradeRow {
  file: string;
  attendee: string;
  key: string;
  course: string;
  flags: GradeFlag[];
  /** Per lab: passed checks / scoring checks, 0..1 (partial credit). */
  labs: Record<string, number>;
  /** Weighted mean of the lab scores, 0..100. */
  total: number;
  /** Hints shown, once per hint. */
  hints: number;
  solutions: number;
  /** Recorded passes that could not be judged from their evidence alone (with --course). */
  notJudgeable: number;
  /** Confirmed kubectl passes the API server's audit log does not corroborate. */
  kubectlUnseen: number;
  /** Every finding, one line each, so the table can be explained. */
  problems: string[];
}

export interface ClassGrades {
  labs: string[];
  rows: GradeRow[];
  summary: { reports: number; clean: number; flagged: number; averageTotal: number; averageByLab: Record<string, number> };
}

export interface GradeOptions {
  course?: LabCatalog;
  /** Lab id → weight; labs not named weigh 1. A Map: a lab or name like `constructor` is data, not a property. */
  weights?: ReadonlyMap<string, number>;
  /** Attendee name → report key fingerprint, collected beforehand: the strongest re-signing check. */
  roster?: ReadonlyMap<string, string>;
}

function mostCommon<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

const INVALID_KINDS: ReadonlySet<Finding['kind']> = new Set(['signature', 'journal', 'entry', 'summary']);

/** One report verified on its own: whatever it holds, it cannot stop the rest of the class being graded. */
async function verifyOne(file: ReportFile, options: GradeOptions): Promise<ReportVerification> {
  if (file.unreadable !== undefined) return { report: undefined, findings: [{ kind: 'format', message: `unreadable: ${file.unreadable}` }], reevaluated: { confirmed: 0, notJudgeable: 0, kubectlSeen: 0, kubectlUnseen: 0 } };
  const text = file.text;
  try {
    return await verifyReport(text, options.course ? { course: options.course } : {});
  } catch (error) {
    return { report: undefined, findings: [{ kind: 'format', message: `unreadable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` }], reevaluated: { confirmed: 0, notJudgeable: 0, kubectlSeen: 0, kubectlUnseen: 0 } };
  }
}

function sharedWith(mine: EvidenceFingerprints, theirs: EvidenceFingerprints): string | undefined {
  for (const id of mine.auditIds) if (theirs.auditIds.has(id)) return `audit event ${id.slice(0, 40)}`;
  for (const uid of mine.uids) if (theirs.uids.has(uid)) return `object uid ${uid.slice(0, 40)}`;
  return undefined;
}

/**
 * Grades a class from its completion reports: one row per report with per-lab partial credit, and flags for
 * reports that do not verify, that were signed by another key than the attendee's (by the roster, or by the
 * attendee's other reports and the cluster they came from), or that are for another course version.
 */
/** A report file's text, or why it could not be read (too large, not a file): it becomes an `unreadable` row. */
export interface ReportFile {
  name: string;
  text: string;
  unreadable?: string;
}

export async function gradeReports(files: readonly ReportFile[], options: GradeOptions = {}): Promise<ClassGrades> {
  const verified: Array<{ file: string; result: ReportVerification }> = [];
  for (const file of files) verified.push({ file: file.name, result: await verifyOne(file, options) });
  const labIds = options.course
    ? options.course.labs().map((lab) => lab.file.id)
    : [...new Set(verified.flatMap(({ result }) => result.report?.summary.map((lab) => lab.id) ?? []))].sort((a, b) => Number(a.split('.')[0]) - Number(b.split('.')[0]) || Number(a.split('.')[1]) - Number(b.split('.')[1]));
  const expectedCourse = options.course
    ? `${options.course.courseId} ${courseVersion(options.course.course)}`
    : mostCommon(verified.flatMap(({ result }) => (result.report ? [`${result.report.course.id} ${result.report.course.version}`] : [])));

  // Keys per attendee and per cluster across the folder: a report whose key differs from the attendee's usual
  // one (or from the key other reports of the same cluster carry) was re-signed.
  const keysByAttendee = new Map<string, string[]>();
  const keysByCluster = new Map<string, string[]>();
  const attendeesByCluster = new Map<string, Set<string>>();
  const fingerprints = new Map<string, EvidenceFingerprints>();
  for (const { file, result } of verified) {
    if (!result.report) continue;
    const key = fingerprintOf(result.report.signer.publicKey);
    keysByAttendee.set(result.report.attendee.name, [...(keysByAttendee.get(result.report.attendee.name) ?? []), key]);
    const found = evidenceFingerprints(result.report);
    fingerprints.set(file, found);
    // Every cluster the journal was written on, not only the one named at export: a copied journal keeps its clusters.
    for (const cluster of found.clusters) {
      keysByCluster.set(cluster, [...(keysByCluster.get(cluster) ?? []), key]);
      attendeesByCluster.set(cluster, (attendeesByCluster.get(cluster) ?? new Set()).add(result.report.attendee.name));
    }
  }
  const names = [...new Set([...keysByAttendee.keys(), ...(options.roster?.keys() ?? [])])];

  const rows: GradeRow[] = verified.map(({ file, result }) => {
    const report = result.report;
    const flags = new Set<GradeFlag>();
    const problems = result.findings.map((finding) => finding.message);
    // Unreadable: not JSON, beyond the size or depth limits, another format; a report that fails the schema was edited.
    const unreadable = (finding: Finding) => finding.kind === 'format' && finding.message.startsWith('unreadable');
    if (result.findings.some((finding) => INVALID_KINDS.has(finding.kind) || (finding.kind === 'format' && !unreadable(finding)))) flags.add('invalid');
    if (result.findings.some(unreadable)) flags.add('unreadable');
    if (result.findings.some((finding) => finding.kind === 'evidence')) flags.add('evidence-mismatch');
    if (result.findings.some((finding) => finding.kind === 'not-judgeable')) flags.add('not-judgeable');
    const notJudgeable = result.reevaluated.notJudgeable;
    // Not a flag: a cluster of the attendee's own (--kubeconfig) keeps no audit log Labdeck reads. The grader sees the count.
    const kubectlUnseen = result.reevaluated.kubectlUnseen;
    if (!report) return { file, attendee: '?', key: '', course: '?', flags: [...flags].sort(), labs: {}, total: 0, hints: 0, solutions: 0, notJudgeable, kubectlUnseen, problems };

    const key = fingerprintOf(report.signer.publicKey);
    const rosterKey = options.roster?.get(report.attendee.name);
    if (rosterKey !== undefined && !sameFingerprint(rosterKey, key)) {
      flags.add('re-signed');
      problems.push(`re-signed: the roster has key ${rosterKey} for ${report.attendee.name}, this report is signed by ${key}`);
    } else if (rosterKey === undefined) {
      // Without a roster nobody can tell which key is the attendee's: every report of a conflicting group is flagged.
      const attendeeKeys = new Set(keysByAttendee.get(report.attendee.name) ?? []);
      // One attendee's cluster with several keys is re-signing; several attendees on one cluster is flagged below.
      const clusterKeys = (attendeesByCluster.get(report.cluster.identity)?.size ?? 0) > 1 ? new Set<string>() : new Set(keysByCluster.get(report.cluster.identity) ?? []);
      if (!report.cluster.identity) clusterKeys.clear();
      if (attendeeKeys.size > 1 || clusterKeys.size > 1) {
        flags.add('re-signed');
        problems.push(`re-signed: ${attendeeKeys.size > 1 ? `${report.attendee.name}'s reports` : 'reports of the same cluster'} carry ${Math.max(attendeeKeys.size, clusterKeys.size)} different keys; this one is ${key}. Compare with the key the attendee showed you (--roster)`);
      }
    }
    // Each attendee builds their own cluster; two names on one cluster's evidence means shared or copied work.
    const mine = fingerprints.get(file);
    const sharing = new Set<string>();
    let sharedCluster = '';
    for (const cluster of mine?.clusters ?? []) {
      const names = attendeesByCluster.get(cluster) ?? new Set<string>();
      if (names.size > 1) {
        sharedCluster ||= cluster;
        for (const name of names) sharing.add(name);
      }
    }
    if (sharing.size > 1) {
      flags.add('shared-cluster');
      problems.push(`shared cluster: reports of ${[...sharing].sort().join(', ')} come from the same cluster (CA ${sharedCluster.slice(0, 16)}…)`);
    }
    // The same audit events or objects in another attendee's report: the evidence itself was copied.
    for (const other of verified) {
      const theirs = fingerprints.get(other.file);
      if (other.file === file || !mine || !theirs || other.result.report?.attendee.name === report.attendee.name) continue;
      const shared = sharedWith(mine, theirs);
      if (shared) {
        flags.add('same-evidence');
        problems.push(`same evidence: ${shared} is also in ${other.result.report?.attendee.name ?? '?'}'s report (${other.file})`);
      }
    }
    // A name that looks like another attendee's (or a roster entry) without being it: someone may pose as them.
    const lookalike = names.find((name) => confusable(name, report.attendee.name));
    if (lookalike !== undefined) {
      flags.add('confusable-name');
      problems.push(`confusable name: ${JSON.stringify(report.attendee.name)} looks like ${JSON.stringify(lookalike)}${options.roster?.has(lookalike) ? ' on the roster' : ''} but is a different name`);
    }
    const course = `${report.course.id} ${report.course.version}`;
    if (expectedCourse !== undefined && course !== expectedCourse) {
      flags.add('other-course-version');
      if (!problems.some((line) => line.startsWith('other course version'))) problems.push(`other course version: ${course}, the class is on ${expectedCourse}`);
    }

    // Built with fromEntries: a lab id such as __proto__ becomes a key like any other.
    const labs: Record<string, number> = Object.fromEntries(
      labIds.map((id) => {
        const lab = report.summary.find((candidate) => candidate.id === id);
        return [id, lab && lab.checksTotal > 0 ? lab.checksPassed / lab.checksTotal : 0];
      }),
    );
    const weight = (id: string): number => options.weights?.get(id) ?? 1;
    const totalWeight = labIds.reduce((sum, id) => sum + weight(id), 0);
    const total = totalWeight === 0 ? 0 : (labIds.reduce((sum, id) => sum + weight(id) * (labs[id] ?? 0), 0) / totalWeight) * 100;
    const steps = report.summary.flatMap((lab) => lab.steps);
    return {
      file,
      attendee: report.attendee.name,
      key,
      course,
      flags: [...flags].sort(),
      labs,
      total: Math.round(total * 10) / 10,
      hints: steps.reduce((sum, step) => sum + step.hintsShown, 0),
      solutions: steps.filter((step) => step.solutionRevealedAt !== null).length,
      notJudgeable,
      kubectlUnseen,
      problems,
    };
  });
  rows.sort((a, b) => a.attendee.localeCompare(b.attendee) || a.file.localeCompare(b.file));

  const average = (values: number[]): number => (values.length === 0 ? 0 : Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 1000) / 1000);
  const clean = rows.filter((row) => row.flags.length === 0);
  return {
    labs: labIds,
    rows,
    summary: {
      reports: rows.length,
      clean: clean.length,
      flagged: rows.length - clean.length,
      averageTotal: Math.round(average(clean.map((row) => row.total)) * 10) / 10,
      averageByLab: Object.fromEntries(labIds.map((id) => [id, average(clean.map((row) => row.labs[id] ?? 0))])),
    },
  };
}

/**
 * One CSV cell, safe to open in a spreadsheet: a cell starting with = + - @ tab or CR would be read as a
 * formula (an attendee named `=HYPERLINK(…)`), so it gets a leading apostrophe, which shows it as text.
 */
export function csvField(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function gradesToCsv(grades: ClassGrades): string {
  const header = ['attendee', 'file', 'course', 'flags', ...grades.labs.map((id) => `lab ${id}`), 'total', 'hints', 'solutions', 'not judgeable', 'kubectl not seen by API server', 'key'];
  const lines = [header.join(',')];
  for (const row of grades.rows) {
    lines.push([row.attendee, row.file, row.course, row.flags.join(' '), ...grades.labs.map((id) => (row.labs[id] ?? 0).toFixed(2)), row.total.toFixed(1), String(row.hints), String(row.solutions), String(row.notJudgeable), String(row.kubectlUnseen), row.key].map(csvField).join(','));
  }
  lines.push(['class average (clean reports)', '', '', `${grades.summary.clean}/${grades.summary.reports} clean`, ...grades.labs.map((id) => (grades.summary.averageByLab[id] ?? 0).toFixed(2)), grades.summary.averageTotal.toFixed(1), '', '', '', ''].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

function xml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char] ?? char);
}

/** One test suite per report, one test case per lab: CI dashboards show the class at a glance. */
export function gradesToJunit(grades: ClassGrades): string {
  const suites = grades.rows.map((row) => {
    const cases = grades.labs.map((id) => {
      const score = row.labs[id] ?? 0;
      return `    <testcase classname="${xml(row.attendee)}" name="lab ${xml(id)}">${score < 1 ? `<failure message="${Math.round(score * 100)}% of the checks passed"/>` : ''}</testcase>`;
    });
    if (row.flags.length > 0) cases.push(`    <testcase classname="${xml(row.attendee)}" name="report integrity"><failure message="${xml(row.flags.join(', '))}">${xml(row.problems.join('\n'))}</failure></testcase>`);
    const failures = cases.filter((line) => line.includes('<failure')).length;
    return `  <testsuite name="${xml(`${row.attendee} (${row.file})`)}" tests="${cases.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="labdeck grade-reports">\n${suites.join('\n')}\n</testsuites>\n`;
}
