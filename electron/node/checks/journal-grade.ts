import type { LoadedLab } from '../labs/lab-catalog.ts';
import type { JournalEntry } from '../progress/evidence-journal.ts';
import type { CheckKind } from '../course-format/check-spec.ts';
import { escapeXml } from './grade.ts';
import { hintNumber } from '../reports/report-summary.ts';

/**
 * `labdeck grade --journal`: grades each step from the attendee's evidence journal instead of one end state
 * (later labs undo earlier end states: 1.2 deletes what 1.5 recreates). A step is complete when, after its
 * lab was opened, there was a moment at which every one of its non-context checks stood passed; it is credited
 * with that moment and with the evidence of each check's pass. Context checks are listed, never graded.
 */

export interface JournalCheckGrade {
  id: string;
  kind: CheckKind;
  /** passed: stood passed when the step completed (or at the end of the journal); context: not graded. */
  status: 'passed' | 'not-passed' | 'context';
  passedAt?: string;
  evidence?: unknown;
  /** Times a pass of this check was later lost (informational: a later step may remove what it built). */
  regressions: number;
}

export interface JournalStepGrade {
  id: string;
  title: string;
  status: 'complete' | 'incomplete' | 'not-opened';
  openedAt?: string;
  completedAt?: string;
  hintsShown: number;
  solutionRevealed: boolean;
  checks: JournalCheckGrade[];
}

export interface JournalLabGrade {
  lab: string;
  title: string;
  steps: JournalStepGrade[];
  summary: { complete: number; total: number };
}

interface CheckState {
  passed: boolean;
  pass?: JournalEntry;
  regressions: number;
}

function gradeStep(labId: string, step: LoadedLab['file']['steps'][number], entries: readonly JournalEntry[]): JournalStepGrade {
  const ofLab = entries.filter((entry) => entry.labId === labId);
  const mine = ofLab.filter((entry) => entry.stepId === step.id);
  const graded = step.checks.filter((check) => !check.context);
  const states = new Map<string, CheckState>(graded.map((check) => [check.id, { passed: false, regressions: 0 }]));
  let openedAt: string | undefined;
  let labOpened = false;
  let completedAt: string | undefined;
  let atCompletion: Map<string, CheckState> | undefined;
  for (const entry of ofLab) {
    if (entry.type === 'lab-opened' || entry.type === 'step-opened') labOpened = true;
    if (entry.stepId !== step.id) continue;
    if (entry.type === 'step-opened') openedAt ??= entry.time;
    const state = entry.checkId === undefined ? undefined : states.get(entry.checkId);
    // Evidence recorded before the lab was opened is not the attendee's work in it. Within the lab a step
    // may pass before its own page is opened: attendees type the guide's commands ahead of the page.
    if (!state || !labOpened) continue;
    if (entry.type === 'check-passed') {
      state.passed = true;
      state.pass = entry;
    } else if (entry.type === 'check-regressed' && state.passed) {
      state.passed = false;
      state.regressions++;
    }
    if (completedAt === undefined && graded.length > 0 && [...states.values()].every((candidate) => candidate.passed)) {
      completedAt = entry.time;
      atCompletion = new Map([...states].map(([id, candidate]) => [id, { ...candidate }]));
    }
  }
  const checks: JournalCheckGrade[] = step.checks.map((check) => {
    if (check.context) return { id: check.id, kind: check.kind, status: 'context', regressions: 0 };
    const final = states.get(check.id);
    const credited = atCompletion?.get(check.id) ?? final;
    return {
      id: check.id,
      kind: check.kind,
      status: credited?.passed ? 'passed' : 'not-passed',
      ...(credited?.pass ? { passedAt: credited.pass.time, evidence: credited.pass.evidence } : {}),
      regressions: final?.regressions ?? 0,
    };
  });
  return {
    id: step.id,
    title: step.title,
    status: completedAt !== undefined ? 'complete' : openedAt === undefined && !labOpened ? 'not-opened' : 'incomplete',
    ...(openedAt === undefined ? {} : { openedAt }),
    ...(completedAt === undefined ? {} : { completedAt }),
    // Once per hint: clicking "hint" again on the last one is not another hint.
    hintsShown: new Set(mine.filter((entry) => entry.type === 'hint-shown').map(hintNumber)).size,
    solutionRevealed: mine.some((entry) => entry.type === 'solution-revealed'),
    checks,
  };
}

export function gradeLabFromJournal(lab: LoadedLab, entries: readonly JournalEntry[]): JournalLabGrade {
  const steps = lab.file.steps.map((step) => gradeStep(lab.file.id, step, entries));
  return { lab: lab.file.id, title: lab.file.title, steps, summary: { complete: steps.filter((step) => step.status === 'complete').length, total: steps.length } };
}

export function anyIncomplete(grades: readonly JournalLabGrade[]): boolean {
  return grades.some((grade) => grade.summary.complete < grade.summary.total);
}

/** One line of evidence a grader can read: the command and exit code, the objects, or the probe output. */
export function describeEvidence(evidence: unknown): string {
  if (evidence === undefined || evidence === null) return '';
  if (typeof evidence === 'object' && !Array.isArray(evidence)) {
    const record = evidence as Record<string, unknown>;
    const command = (record.matched ?? record.deletedBy) as { command?: unknown; exitCode?: unknown } | undefined;
    if (command && typeof command.command === 'string') return `\`${command.command}\` exited ${String(command.exitCode)}`;
    if (typeof record.output === 'string') return `output: ${record.output.trim().split('\n').at(-1)?.slice(0, 120) ?? ''}`;
  }
  if (Array.isArray(evidence)) {
    const names = evidence.map((item) => {
      const metadata = (item as { kind?: string; metadata?: { name?: string; namespace?: string } } | null) ?? {};
      return `${metadata.kind ?? 'object'} ${metadata.metadata?.namespace ? `${metadata.metadata.namespace}/` : ''}${metadata.metadata?.name ?? '?'}`;
    });
    return names.length === 0 ? 'nothing matched' : names.join(', ');
  }
  return JSON.stringify(evidence).slice(0, 120);
}

/** Human-readable journal grade: each step with when it completed and on what evidence. */
export function formatJournalText(grades: readonly JournalLabGrade[]): string {
  const lines: string[] = [];
  for (const grade of grades) {
    lines.push(`Lab ${grade.lab} ${grade.title}`);
    for (const step of grade.steps) {
      const when = step.status === 'complete' ? ` at ${step.completedAt}` : '';
      const help = [step.hintsShown > 0 ? `${step.hintsShown} hint(s)` : '', step.solutionRevealed ? 'solution revealed' : ''].filter(Boolean).join(', ');
      lines.push(`  ${step.title} [${step.status}${when}]${help ? ` (${help})` : ''}`);
      for (const check of step.checks) {
        if (check.status === 'context') lines.push(`    CTX   ${check.id}`);
        else if (check.status === 'passed') lines.push(`    PASS  ${check.id} at ${check.passedAt}: ${describeEvidence(check.evidence)}`);
        else lines.push(`    OPEN  ${check.id}`);
      }
    }
    lines.push(`  ${grade.summary.complete}/${grade.summary.total} steps complete`, '');
  }
  return lines.join('\n');
}

/** JUnit XML from the journal: one testcase per step; incomplete and unopened steps are failures. */
export function formatJournalJunit(grades: readonly JournalLabGrade[]): string {
  const total = grades.reduce((sum, grade) => sum + grade.summary.total, 0);
  const failures = grades.reduce((sum, grade) => sum + grade.summary.total - grade.summary.complete, 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="labdeck grade --journal" tests="${total}" failures="${failures}">`];
  for (const grade of grades) {
    lines.push(`  <testsuite name="${escapeXml(`${grade.lab} ${grade.title}`)}" tests="${grade.summary.total}" failures="${grade.summary.total - grade.summary.complete}">`);
    for (const step of grade.steps) {
      const open = `    <testcase classname="${escapeXml(grade.lab)}" name="${escapeXml(step.id)}">`;
      if (step.status === 'complete') lines.push(`${open}<system-out>${escapeXml(`completed ${step.completedAt}`)}</system-out></testcase>`);
      else {
        const missing = step.checks.filter((check) => check.status === 'not-passed').map((check) => check.id);
        const message = step.status === 'not-opened' ? 'its lab was never opened' : `not passed: ${missing.join(', ')}`;
        lines.push(`${open}<failure type="${step.status}" message="${escapeXml(message)}"/></testcase>`);
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
