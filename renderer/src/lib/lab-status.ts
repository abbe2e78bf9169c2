import type { LabSummary, ProgressState } from '../../../electron/common/api/labs.ts';

export type LabAvailability = 'locked' | 'available' | 'in-progress' | 'done';

export interface LabStanding {
  availability: LabAvailability;
  doneSteps: number;
  totalSteps: number;
  /** Labs that must be finished first and are not yet. */
  missing: string[];
}

export function isStepDone(progress: ProgressState | null, labId: string, stepId: string): boolean {
  return progress?.labs[labId]?.steps[stepId]?.status === 'done';
}

function isLabDone(progress: ProgressState | null, lab: LabSummary): boolean {
  return lab.steps.length > 0 && lab.steps.every((step) => isStepDone(progress, lab.id, step.id));
}

/**
 * Where a lab stands: done when all its steps are, in progress once one is (even if the labs it builds on
 * are not finished: the attendee's own work outranks the suggested order), locked while it needs other
 * labs first, available otherwise.
 */
export function labStanding(lab: LabSummary, all: readonly LabSummary[], progress: ProgressState | null): LabStanding {
  const doneSteps = lab.steps.filter((step) => isStepDone(progress, lab.id, step.id)).length;
  const missing = lab.requires.filter((id) => {
    const required = all.find((candidate) => candidate.id === id);
    return !required || !isLabDone(progress, required);
  });
  let availability: LabAvailability;
  if (doneSteps === lab.steps.length && lab.steps.length > 0) availability = 'done';
  else if (doneSteps > 0) availability = 'in-progress';
  else if (missing.length > 0) availability = 'locked';
  else if (progress?.labs[lab.id]?.startedAt) availability = 'in-progress';
  else availability = 'available';
  return { availability, doneSteps, totalSteps: lab.steps.length, missing };
}

export const availabilityLabel: Record<LabAvailability, { icon: string; text: string }> = {
  locked: { icon: '⊘', text: 'Locked' },
  available: { icon: '○', text: 'Available' },
  'in-progress': { icon: '◐', text: 'In progress' },
  done: { icon: '✓', text: 'Done' },
};
