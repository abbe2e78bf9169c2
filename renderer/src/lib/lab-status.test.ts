import { describe, expect, it } from 'vitest';
import type { LabSummary, ProgressState } from '../../../electron/common/api/labs.ts';
import { labStanding } from './lab-status.ts';

const lab = (id: string, requires: string[] = []): LabSummary =>
  ({ id, slug: id, title: id, summary: '', objectives: [], durationMinutes: 10, requires, steps: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }] }) as LabSummary;

describe('labStanding', () => {
  const labs = [lab('1.1'), lab('1.2', ['1.1'])];
  const progress = (steps: Record<string, 'done' | 'todo'>): ProgressState =>
    ({ labs: { '1.2': { steps: Object.fromEntries(Object.entries(steps).map(([id, status]) => [id, { status, hintsRevealed: 0, solutionViewed: false }])), activeMs: 0 } } }) as unknown as ProgressState;

  it('never calls a lab with done steps locked', () => {
    expect(labStanding(labs[1]!, labs, null).availability).toBe('locked');
    expect(labStanding(labs[1]!, labs, progress({ a: 'done' })).availability).toBe('in-progress');
    expect(labStanding(labs[1]!, labs, progress({ a: 'done', b: 'done' })).availability).toBe('done');
  });
});
