import type { JournalEntry } from '../progress/evidence-journal.ts';
import type { CourseOutline, LabOutcome } from './report-format.ts';

/**
 * Per lab and step, what the journal shows: when each check passed (the pass that still stands, i.e. not
 * regressed after), when the step was opened and completed, hints used and solutions revealed. The same
 * function builds the report and re-checks it, so a summary edited by hand no longer matches its journal.
 */
export function summarize(outline: CourseOutline, journal: readonly JournalEntry[]): LabOutcome[] {
  const standing = new Map<string, JournalEntry | null>();
  const opened = new Map<string, string>();
  /** Per step, the hints shown: their numbers (evidence.hintsRevealed), so a hint clicked again counts once. */
  const hints = new Map<string, Set<string>>();
  const solutions = new Map<string, string>();
  for (const entry of journal) {
    const stepKey = `${entry.labId}/${entry.stepId ?? ''}`;
    if (entry.type === 'step-opened' && !opened.has(stepKey)) opened.set(stepKey, entry.time);
    if (entry.type === 'hint-shown') hints.set(stepKey, (hints.get(stepKey) ?? new Set<string>()).add(hintNumber(entry)));
    if (entry.type === 'solution-revealed' && !solutions.has(stepKey)) solutions.set(stepKey, entry.time);
    if (entry.type === 'check-passed') standing.set(`${stepKey}/${entry.checkId ?? ''}`, entry);
    if (entry.type === 'check-regressed') standing.set(`${stepKey}/${entry.checkId ?? ''}`, null);
  }
  return outline.labs.map((lab) => {
    let checksPassed = 0;
    let checksTotal = 0;
    const steps = lab.steps.map((step) => {
      const stepKey = `${lab.id}/${step.id}`;
      // Context checks are preconditions, not achievements: they are not journaled and do not score.
      const checks = step.checks
        .filter((check) => !check.context)
        .map((check) => {
          const pass = standing.get(`${stepKey}/${check.id}`) ?? null;
          return { id: check.id, title: check.title, kind: check.kind, passedAt: pass?.time ?? null, entry: pass?.seq ?? null };
        });
      const passed = checks.filter((check) => check.passedAt !== null);
      checksPassed += passed.length;
      checksTotal += checks.length;
      const complete = checks.length > 0 && passed.length === checks.length;
      return {
        id: step.id,
        title: step.title,
        openedAt: opened.get(stepKey) ?? null,
        passedAt: complete ? (passed.map((check) => check.passedAt as string).sort().at(-1) ?? null) : null,
        checks,
        hintsShown: hints.get(stepKey)?.size ?? 0,
        solutionRevealedAt: solutions.get(stepKey) ?? null,
      };
    });
    return { id: lab.id, title: lab.title, steps, checksPassed, checksTotal };
  });
}

/** Which hint an entry showed: its number, or (without one, e.g. an older entry) the entry itself. */
export function hintNumber(entry: JournalEntry): string {
  const shown = (entry.evidence as { hintsRevealed?: unknown } | undefined)?.hintsRevealed;
  return typeof shown === 'number' && Number.isInteger(shown) && shown > 0 ? `hint ${shown}` : `entry ${entry.seq}`;
}

/** The outline a report's own summary describes (for checking a report without its course at hand). */
export function outlineOfSummary(course: { id: string; version: string; title: string }, summary: readonly LabOutcome[]): CourseOutline {
  return {
    ...course,
    labs: summary.map((lab) => ({ id: lab.id, title: lab.title, steps: lab.steps.map((step) => ({ id: step.id, title: step.title, checks: step.checks.map(({ id, title, kind }) => ({ id, title, kind })) })) })),
  };
}
