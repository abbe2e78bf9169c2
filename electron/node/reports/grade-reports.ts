import type { LabCatalog } from '../labs/lab-catalog.ts';
import { courseVersion } from '../course-format/lab-schema.ts';
import { fingerprintOf, sameFingerprint } from '../course-pack/keys.ts';
import { verifyReport, type Finding } from './verify-report.ts';

export type GradeFlag = 'invalid' | 're-signed' | 'other-course-version' | 'evidence-mismatch' | 'shared-cluster';

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
  hints: number;
  solutions: number;
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
  /** Lab id → weight; labs not named weigh 1. */
  weights?: Record<string, number>;
  /** Attendee name → report key fingerprint, collected beforehand: the strongest re-signing check. */
  roster?: Record<string, string>;
}

function mostCommon<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

const INVALID_KINDS: ReadonlySet<Finding['kind']> = new Set(['format', 'signature', 'entry', 'summary']);

/**
 * Grades a class from its completion reports: one row per report with per-lab partial credit, and flags for
 * reports that do not verify, that were signed by another key than the attendee's (by the roster, or by the
 * attendee's other reports and the cluster they came from), or that are for another course version.
 */
export async function gradeReports(files: ReadonlyArray<{ name: string; text: string }>, options: GradeOptions = {}): Promise<ClassGrades> {
  const verified = [];
  for (const file of files) {
    verified.push({ file: file.name, result: await verifyReport(file.text, options.course ? { course: options.course } : {}) });
  }
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
  for (const { result } of verified) {
    if (!result.report) continue;
    const key = fingerprintOf(result.report.signer.publicKey);
    keysByAttendee.set(result.report.attendee.name, [...(keysByAttendee.get(result.report.attendee.name) ?? []), key]);
    if (result.report.cluster.identity) {
      keysByCluster.set(result.report.cluster.identity, [...(keysByCluster.get(result.report.cluster.identity) ?? []), key]);
      attendeesByCluster.set(result.report.cluster.identity, (attendeesByCluster.get(result.report.cluster.identity) ?? new Set()).add(result.report.attendee.name));
    }
  }

  const rows: GradeRow[] = verified.map(({ file, result }) => {
    const report = result.report;
    const flags = new Set<GradeFlag>();
    const problems = result.findings.map((finding) => finding.message);
    if (result.findings.some((finding) => INVALID_KINDS.has(finding.kind))) flags.add('invalid');
    if (result.findings.some((finding) => finding.kind === 'evidence')) flags.add('evidence-mismatch');
    if (!report) return { file, attendee: '?', key: '', course: '?', flags: [...flags], labs: {}, total: 0, hints: 0, solutions: 0, problems };

    const key = fingerprintOf(report.signer.publicKey);
    const rosterKey = options.roster?.[report.attendee.name];
    if (rosterKey !== undefined && !sameFingerprint(rosterKey, key)) {
      flags.add('re-signed');
      problems.push(`re-signed: the roster has key ${rosterKey} for ${report.attendee.name}, this report is signed by ${key}`);
    } else if (rosterKey === undefined) {
      // Without a roster nobody can tell which key is the attendee's: every report of a conflicting group is flagged.
      const attendeeKeys = new Set(keysByAttendee.get(report.attendee.name) ?? []);
      // One attendee's cluster with several keys is re-signing; several attendees on one cluster is flagged below.
      const clusterKeys = (attendeesByCluster.get(report.cluster.identity)?.size ?? 0) > 1 ? new Set<string>() : new Set(keysByCluster.get(report.cluster.identity) ?? []);
      if (attendeeKeys.size > 1 || clusterKeys.size > 1) {
        flags.add('re-signed');
        problems.push(`re-signed: ${attendeeKeys.size > 1 ? `${report.attendee.name}'s reports` : 'reports of the same cluster'} carry ${Math.max(attendeeKeys.size, clusterKeys.size)} different keys; this one is ${key}. Compare with the key the attendee showed you (--roster)`);
      }
    }
    // Each attendee builds their own cluster; two names on one cluster's evidence means shared or copied work.
    const sharing = report.cluster.identity ? (attendeesByCluster.get(report.cluster.identity) ?? new Set<string>()) : new Set<string>();
    if (sharing.size > 1) {
      flags.add('shared-cluster');
      problems.push(`shared cluster: reports of ${[...sharing].sort().join(', ')} come from the same cluster (CA ${report.cluster.identity.slice(0, 16)}…)`);
    }
    const course = `${report.course.id} ${report.course.version}`;
    if (expectedCourse !== undefined && course !== expectedCourse) {
      flags.add('other-course-version');
      if (!problems.some((line) => line.startsWith('other course version'))) problems.push(`other course version: ${course}, the class is on ${expectedCourse}`);
    }

    const labs: Record<string, number> = {};
    for (const id of labIds) {
      const lab = report.summary.find((candidate) => candidate.id === id);
      labs[id] = lab && lab.checksTotal > 0 ? lab.checksPassed / lab.checksTotal : 0;
    }
    const weight = (id: string): number => options.weights?.[id] ?? 1;
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

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function gradesToCsv(grades: ClassGrades): string {
  const header = ['attendee', 'file', 'course', 'flags', ...grades.labs.map((id) => `lab ${id}`), 'total', 'hints', 'solutions', 'key'];
  const lines = [header.join(',')];
  for (const row of grades.rows) {
    lines.push([row.attendee, row.file, row.course, row.flags.join(' '), ...grades.labs.map((id) => (row.labs[id] ?? 0).toFixed(2)), row.total.toFixed(1), String(row.hints), String(row.solutions), row.key].map(csvField).join(','));
  }
  lines.push(['class average (clean reports)', '', '', `${grades.summary.clean}/${grades.summary.reports} clean`, ...grades.labs.map((id) => (grades.summary.averageByLab[id] ?? 0).toFixed(2)), grades.summary.averageTotal.toFixed(1), '', '', ''].map(csvField).join(','));
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
