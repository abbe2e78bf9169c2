import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { CheckResult, StepProgress } from '../../../electron/common/api/labs.ts';
import { sampleLab } from '../test/lab-fixture.ts';
import StepGuide from './StepGuide.svelte';

function renderGuide(stepProgress: StepProgress | undefined, results: Record<string, CheckResult> = {}) {
  const handlers = {
    onRun: vi.fn(),
    onOpenInEditor: vi.fn(),
    onOpenExternal: vi.fn(),
    onRevealHint: vi.fn(),
    onViewSolution: vi.fn(),
    onStep: vi.fn(),
  };
  const lab = sampleLab();
  const step = lab.steps[0];
  if (!step) throw new Error('fixture has no step');
  render(StepGuide, { lab, step, stepIndex: 0, stepProgress, locked: [], resultFor: (id: string) => results[id], ...handlers });
  return handlers;
}

describe('StepGuide', () => {
  it('runs shell blocks in the terminal and opens manifests in the editor', async () => {
    const handlers = renderGuide(undefined);
    await fireEvent.click(screen.getByRole('button', { name: '▶ Run in terminal' }));
    expect(handlers.onRun).toHaveBeenCalledWith('kubectl get pods -o wide', undefined);
    await fireEvent.click(screen.getByRole('button', { name: '✎ Open in editor' }));
    expect(handlers.onOpenInEditor).toHaveBeenCalledWith({ fileName: 'nginx-yaml-pod.yaml', content: expect.stringContaining('kind: Pod') });
  });

  it("runs a node's snippet on that node and says so when the node is down", async () => {
    const lab = sampleLab();
    const step = lab.steps[0]!;
    step.snippets = [{ id: 'routes', kind: 'command', title: 'Routes on the node', language: 'bash', content: 'ip route', node: 'worker1' }];
    const onRun = vi.fn(async () => ({ ran: false as const, reason: 'worker1 is not running. Start the lab environment.' }));
    render(StepGuide, { lab, step, stepIndex: 0, stepProgress: undefined, locked: [], resultFor: () => undefined, onRun, onOpenInEditor: vi.fn(), onOpenExternal: vi.fn(), onRevealHint: vi.fn(), onViewSolution: vi.fn(), onStep: vi.fn() });
    await fireEvent.click(screen.getByRole('button', { name: '▶ Run on worker1' }));
    expect(onRun).toHaveBeenCalledWith('ip route', { node: 'worker1' });
    expect((await screen.findByText(/worker1 is not running/)).getAttribute('role')).toBe('status');
  });

  it("runs a laptop snippet in the host shell tab, also from the step's text", async () => {
    const lab = sampleLab();
    const step = lab.steps[0]!;
    step.instructions = 'From your laptop:\n\n```bash\ncurl http://localhost:30080/\n```\n';
    step.snippets = [{ id: 'laptop', kind: 'command', language: 'bash', content: 'curl http://localhost:30080/', host: true }];
    const onRun = vi.fn(async () => ({ ran: true as const, where: 'host shell' }));
    render(StepGuide, { lab, step, stepIndex: 0, stepProgress: undefined, locked: [], resultFor: () => undefined, onRun, onOpenInEditor: vi.fn(), onOpenExternal: vi.fn(), onRevealHint: vi.fn(), onViewSolution: vi.fn(), onStep: vi.fn() });
    // The command is in the text, so the snippet list does not repeat it; its block runs in the host shell.
    const buttons = screen.getAllByRole('button', { name: '▶ Run in host shell' });
    expect(buttons).toHaveLength(1);
    await fireEvent.click(buttons[0]!);
    expect(onRun).toHaveBeenCalledWith('curl http://localhost:30080/', { host: true });
  });

  it('shows as many hints as were revealed and offers the next one', async () => {
    const handlers = renderGuide({ status: 'todo', hintsRevealed: 1, solutionViewed: false });
    expect(screen.getByText('1 of 2 shown')).toBeTruthy();
    expect(screen.getByText('kubectl apply -f')).toBeTruthy();
    expect(screen.queryByText('The file is nginx-pod.yaml.')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Show the next hint' }));
    expect(handlers.onRevealHint).toHaveBeenCalledOnce();
  });

  it('keeps the solution behind a confirmation', async () => {
    const handlers = renderGuide(undefined);
    await fireEvent.click(screen.getByRole('button', { name: 'Show the solution' }));
    expect(handlers.onViewSolution).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Show it anyway' }));
    expect(handlers.onViewSolution).toHaveBeenCalledOnce();
  });

  it('counts passed checks and announces a done step', () => {
    const passed: CheckResult = { labId: '1.2', stepId: 'create-pod', checkId: 'pod-exists', kind: 'resource', status: 'passed', message: 'Pod exists', at: 'now' };
    renderGuide({ status: 'done', hintsRevealed: 0, solutionViewed: false }, { 'pod-exists': passed });
    expect(screen.getByText('1 of 2 passed')).toBeTruthy();
    // One check has no live verdict yet: the banner says the step was earned earlier, not that all pass now.
    expect(screen.getByText(/Step done — all checks passed earlier/)).toBeTruthy();
    expect(screen.getByRole('status', { name: 'Pod nginx-yaml exists: Passed' })).toBeTruthy();
    expect(screen.getByRole('status', { name: 'Pod runs nginx: Waiting' })).toBeTruthy();
  });

  it('says all checks pass when the live verdicts agree with the saved done', () => {
    const passed = (checkId: string): CheckResult => ({ labId: '1.2', stepId: 'create-pod', checkId, kind: 'resource', status: 'passed', message: 'ok', at: 'now' });
    renderGuide({ status: 'done', hintsRevealed: 0, solutionViewed: false }, { 'pod-exists': passed('pod-exists'), 'pod-image': passed('pod-image') });
    expect(screen.getByText('2 of 2 passed')).toBeTruthy();
    expect(screen.getByText(/Step done — all checks passed\.$/)).toBeTruthy();
  });
});
