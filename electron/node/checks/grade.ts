import type { CheckStatus } from '../../common/api/labs.ts';
import type { LoadedLab } from '../labs/lab-catalog.ts';
import type { CheckKind } from '../course-format/check-spec.ts';
import type { CheckWorld } from './check-world.ts';
import { evaluateCheck } from './evaluate-check.ts';

/**
 * `labdeck grade`: every check of a lab judged once against a world (a snapshot or a live cluster), as a
 * report for graders. Checks the world cannot answer are `skipped`, never passed; anything that is neither
 * passed nor skipped (failed, error, waiting) counts as failed.
 */

export interface GradedCheck {
  id: string;
  kind: CheckKind;
  status: CheckStatus;
  message: string;
}

export type StepGradeStatus = 'passed' | 'failed' | 'skipped' | 'incomplete';

export interface GradedStep {
  id: string;
  title: string;
  /** passed: every check passed; failed: any did not; skipped: none could be judged; incomplete: passed except skipped ones. */
  status: StepGradeStatus;
  checks: GradedCheck[];
}

export interface LabGrade {
  lab: string;
  title: string;
  steps: GradedStep[];
  summary: { passed: number; failed: number; skipped: number; total: number };
}

export async function gradeLab(lab: LoadedLab, world: CheckWorld): Promise<LabGrade> {
  const steps: GradedStep[] = [];
  for (const step of lab.file.steps) {
    const checks: GradedCheck[] = [];
    for (const check of step.checks) {
      const result = await evaluateCheck(check, world, { labId: lab.file.id, stepId: step.id });
      checks.push({ id: check.id, kind: check.kind, status: result.status, message: result.message });
    }
    steps.push({ id: step.id, title: step.title, status: stepStatus(checks), checks });
  }
  const all = steps.flatMap((step) => step.checks);
  const passed = all.filter((check) => check.status === 'passed').length;
  const skipped = all.filter((check) => check.status === 'skipped').length;
  return { lab: lab.file.id, title: lab.file.title, steps, summary: { passed, failed: all.length - passed - skipped, skipped, total: all.length } };
}

function stepStatus(checks: GradedCheck[]): StepGradeStatus {
  if (checks.some((check) => check.status !== 'passed' && check.status !== 'skipped')) return 'failed';
  if (checks.every((check) => check.status === 'skipped')) return 'skipped';
  return checks.some((check) => check.status === 'skipped') ? 'incomplete' : 'passed';
}

export function anyFailed(grades: readonly LabGrade[]): boolean {
  return grades.some((grade) => grade.summary.failed > 0);
}

/** Text for an XML attribute or element: characters XML 1.0 cannot hold are dropped, markup is escaped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** JUnit XML: one testsuite per lab, one testcase per check (classname lab.step). */
export function formatJunit(grades: readonly LabGrade[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const totals = grades.reduce((sum, grade) => ({ tests: sum.tests + grade.summary.total, failures: sum.failures + grade.summary.failed, skipped: sum.skipped + grade.summary.skipped }), { tests: 0, failures: 0, skipped: 0 });
  lines.push(`<testsuites name="labdeck grade" tests="${totals.tests}" failures="${totals.failures}" skipped="${totals.skipped}">`);
  for (const grade of grades) {
    lines.push(`  <testsuite name="${escapeXml(`${grade.lab} ${grade.title}`)}" tests="${grade.summary.total}" failures="${grade.summary.failed}" skipped="${grade.summary.skipped}">`);
    for (const step of grade.steps) {
      for (const check of step.checks) {
        const open = `    <testcase classname="${escapeXml(`${grade.lab}.${step.id}`)}" name="${escapeXml(check.id)}">`;
        if (check.status === 'passed') lines.push(`${open}</testcase>`);
        else if (check.status === 'skipped') lines.push(`${open}<skipped message="${escapeXml(check.message)}"/></testcase>`);
        else lines.push(`${open}<failure type="${check.status}" message="${escapeXml(check.message)}">${escapeXml(check.message)}</failure></testcase>`);
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

const MARK: Record<CheckStatus, string> = { passed: 'PASS', failed: 'FAIL', error: 'ERROR', waiting: 'WAIT', skipped: 'SKIP' };

/** Human-readable report: a line per check, the message when it did not pass, a summary per lab. */
export function formatText(grades: readonly LabGrade[]): string {
  const lines: string[] = [];
  for (const grade of grades) {
    lines.push(`Lab ${grade.lab} ${grade.title}`);
    for (const step of grade.steps) {
      lines.push(`  ${step.title} [${step.status}]`);
      for (const check of step.checks) lines.push(`    ${MARK[check.status].padEnd(5)} ${check.id}${check.status === 'passed' ? '' : ` — ${check.message}`}`);
    }
    const { passed, failed, skipped, total } = grade.summary;
    lines.push(`  ${passed}/${total} passed, ${failed} failed, ${skipped} skipped`, '');
  }
  return `${lines.join('\n')}`;
}
