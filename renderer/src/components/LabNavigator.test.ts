import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { LabSummary, ProgressState } from '../../../electron/common/api/labs.ts';
import LabNavigator from './LabNavigator.svelte';

function lab(id: string, title: string, requires: string[], steps: string[]): LabSummary {
  return { id, slug: title.toLowerCase().replace(/\W+/g, '-'), title, summary: title, objectives: ['x'], durationMinutes: 10, requires, steps: steps.map((s) => ({ id: s, title: `Step ${s}` })) };
}

const labs = [
  lab('1.1', 'kubectl and kubeconfig', [], ['nodes']),
  lab('1.2', 'Pods from YAML', ['1.1'], ['create-pod', 'delete-pod']),
  lab('1.3', 'Deployments', ['1.2'], ['deploy']),
];

function progress(done: Array<[string, string]>): ProgressState {
  const state: ProgressState = { courseId: 'c', labs: {} };
  for (const [labId, stepId] of done) {
    const entry = (state.labs[labId] ??= { activeMs: 0, steps: {} });
    entry.steps[stepId] = { status: 'done', hintsRevealed: 0, solutionViewed: false };
  }
  return state;
}

function labItem(title: string): HTMLElement {
  const item = screen.getByRole('button', { name: new RegExp(title) }).closest('li');
  if (!item) throw new Error(`no list item for ${title}`);
  return item;
}

describe('LabNavigator', () => {
  it('says progress was not saved while saving fails, and nothing when it works (issue 21)', () => {
    const saveError = 'Your progress was not saved: Labdeck cannot write /data/progress.json (the disk is full, ENOSPC).';
    render(LabNavigator, { labs, progress: { ...progress([]), saveError }, currentLabId: null, currentStepId: null, onOpenLab: () => {} });
    expect(screen.getByRole('alert').textContent).toBe(saveError);
  });

  it('shows no save notice when progress is saved', () => {
    render(LabNavigator, { labs, progress: progress([]), currentLabId: null, currentStepId: null, onOpenLab: () => {} });
    expect(screen.queryByTestId('progress-save-error')).toBeNull();
  });

  it('lists every lab with its title inside a navigation landmark', () => {
    render(LabNavigator, { labs, progress: null, currentLabId: null, currentStepId: null, onOpenLab: () => {} });
    const nav = screen.getByRole('navigation', { name: 'Labs' });
    for (const entry of labs) expect(within(nav).getByText(entry.title)).toBeTruthy();
  });

  it('shows done, available and locked in words', () => {
    render(LabNavigator, { labs, progress: progress([['1.1', 'nodes'], ['1.2', 'create-pod']]), currentLabId: null, currentStepId: null, onOpenLab: () => {} });
    expect(within(labItem('kubectl and kubeconfig')).getByText(/Done/)).toBeTruthy();
    expect(within(labItem('Pods from YAML')).getByText(/In progress/)).toBeTruthy();
    expect(within(labItem('Pods from YAML')).getByText('1/2 steps')).toBeTruthy();
    expect(within(labItem('Deployments')).getByText(/Locked/)).toBeTruthy();
    expect(within(labItem('Deployments')).getByText(/needs lab 1.2/)).toBeTruthy();
  });

  it('unlocks a lab once the labs it requires are done', () => {
    render(LabNavigator, { labs, progress: progress([['1.1', 'nodes']]), currentLabId: null, currentStepId: null, onOpenLab: () => {} });
    expect(within(labItem('Pods from YAML')).getByText(/Available/)).toBeTruthy();
    expect(within(labItem('Deployments')).getByText(/Locked/)).toBeTruthy();
  });

  it('lists the steps of the open lab with their state, and opens what is clicked', async () => {
    const onOpenLab = vi.fn();
    render(LabNavigator, { labs, progress: progress([['1.2', 'create-pod']]), currentLabId: '1.2', currentStepId: 'delete-pod', onOpenLab });
    const steps = screen.getByRole('list', { name: 'Steps of lab 1.2' });
    expect(within(steps).getByRole('button', { name: /Step create-pod \(done\)/ })).toBeTruthy();
    const current = within(steps).getByRole('button', { name: /Step delete-pod \(not done\)/ });
    expect(current.getAttribute('aria-current')).toBe('step');
    await fireEvent.click(current);
    expect(onOpenLab).toHaveBeenCalledWith('1.2', 'delete-pod');
    await fireEvent.click(screen.getByRole('button', { name: /Deployments/ }));
    expect(onOpenLab).toHaveBeenCalledWith('1.3');
  });
});
