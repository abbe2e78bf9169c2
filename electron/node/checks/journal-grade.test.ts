import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedLab } from '../labs/lab-catalog.ts';
import type { JournalEntry, JournalEntryType } from '../progress/evidence-journal.ts';
import { writeCourse } from './engine-fixtures.test-support.ts';
import { formatJournalJunit, formatJournalText, gradeLabFromJournal } from './journal-grade.ts';

let lab: LoadedLab;
let dir: string;

beforeAll(async () => {
  const course = await writeCourse({
    id: '9.1',
    slug: 'grade',
    title: 'Grade lab',
    summary: 'A lab for journal grading.',
    objectives: ['Grade'],
    durationMinutes: 5,
    steps: [
      {
        id: 'create',
        title: 'Create',
        checks: [
          { id: 'pod-runs', title: 'Pod runs', kind: 'resource', select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' }, assert: [{ that: 'true', message: 'x' }] },
          { id: 'ran-apply', title: 'Applied', kind: 'command', mode: 'once', pattern: '^kubectl apply', exitCode: 0 },
          { id: 'cni', title: 'CNI annotation', kind: 'resource', context: true, select: { apiVersion: 'v1', kind: 'Node' }, assert: [{ that: 'true', message: 'x' }] },
        ],
      },
      { id: 'delete', title: 'Delete', checks: [{ id: 'pod-gone', title: 'Pod gone', kind: 'resource', absent: true, select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' } }] },
    ],
  });
  dir = course.dir;
  lab = course.catalog.requireLab('9.1');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function journal(...lines: Array<[JournalEntryType, string?, string?, unknown?]>): JournalEntry[] {
  return lines.map(([type, stepId, checkId, evidence], index) => ({
    seq: index + 1,
    time: new Date(Date.UTC(2026, 10, 29, 9, 0, index)).toISOString(),
    type,
    courseId: 'engine-test',
    courseVersion: '0.0.0',
    labId: '9.1',
    ...(stepId ? { stepId } : {}),
    ...(checkId ? { checkId } : {}),
    ...(evidence === undefined ? {} : { evidence }),
    prevHash: '',
    hash: '',
  }));
}

describe('gradeLabFromJournal', () => {
  it('completes a step at the moment all its non-context checks stood passed, crediting their evidence', () => {
    const grade = gradeLabFromJournal(
      lab,
      journal(['lab-opened'], ['step-opened', 'create'], ['check-passed', 'create', 'pod-runs', [{ kind: 'Pod' }]], ['hint-shown', 'create'], ['check-passed', 'create', 'ran-apply', { matched: { command: 'kubectl apply -f web.yaml', exitCode: 0 } }], ['step-opened', 'delete'], ['check-regressed', 'create', 'pod-runs']),
    );
    const create = grade.steps[0];
    expect(create).toMatchObject({ status: 'complete', completedAt: '2026-11-29T09:00:04.000Z', hintsShown: 1, solutionRevealed: false });
    expect(create?.checks).toEqual([
      { id: 'pod-runs', kind: 'resource', status: 'passed', passedAt: '2026-11-29T09:00:02.000Z', evidence: [{ kind: 'Pod' }], regressions: 1 },
      { id: 'ran-apply', kind: 'command', status: 'passed', passedAt: '2026-11-29T09:00:04.000Z', evidence: { matched: { command: 'kubectl apply -f web.yaml', exitCode: 0 } }, regressions: 0 },
      { id: 'cni', kind: 'resource', status: 'context', regressions: 0 },
    ]);
    expect(grade.steps[1]).toMatchObject({ status: 'incomplete', openedAt: '2026-11-29T09:00:05.000Z' });
    expect(grade.summary).toEqual({ complete: 1, total: 2 });
  });

  it('does not complete a step whose checks never stood passed together, or whose lab was never opened', () => {
    const grade = gradeLabFromJournal(lab, journal(['step-opened', 'create'], ['check-passed', 'create', 'pod-runs'], ['check-regressed', 'create', 'pod-runs'], ['check-passed', 'create', 'ran-apply'], ['check-passed', 'delete', 'pod-gone']));
    expect(grade.steps[0]).toMatchObject({ status: 'incomplete' });
    expect(grade.steps[0]?.checks[0]).toMatchObject({ status: 'not-passed', regressions: 1 });
    // Done in the open lab before its own page was opened: the attendee ran ahead of the page.
    expect(grade.steps[1]).toMatchObject({ status: 'complete' });
    const unopened = gradeLabFromJournal(lab, journal(['check-passed', 'delete', 'pod-gone']));
    expect(unopened.steps[1]).toMatchObject({ status: 'not-opened' });
    expect(unopened.steps[1]?.checks[0]).toMatchObject({ status: 'not-passed' });
  });

  it('prints when and on what evidence in text, and incomplete steps as JUnit failures', () => {
    const grade = gradeLabFromJournal(
      lab,
      journal(['step-opened', 'create'], ['check-passed', 'create', 'pod-runs', [{ kind: 'Pod', metadata: { name: 'web', namespace: 'default' } }]], ['check-passed', 'create', 'ran-apply', { matched: { command: 'kubectl apply -f web.yaml', exitCode: 0 } }], ['solution-revealed', 'create']),
    );
    const text = formatJournalText([grade]);
    expect(text).toContain('  Create [complete at 2026-11-29T09:00:02.000Z] (solution revealed)');
    expect(text).toContain('    PASS  pod-runs at 2026-11-29T09:00:01.000Z: Pod default/web');
    expect(text).toContain('    PASS  ran-apply at 2026-11-29T09:00:02.000Z: `kubectl apply -f web.yaml` exited 0');
    expect(text).toContain('    CTX   cni');
    expect(text).toContain('  1/2 steps complete');
    const xml = formatJournalJunit([grade]);
    expect(xml).toContain('<testsuites name="labdeck grade --journal" tests="2" failures="1">');
    expect(xml).toContain('<testcase classname="9.1" name="delete"><failure type="incomplete" message="not passed: pod-gone"/></testcase>');
  });
});
