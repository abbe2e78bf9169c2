import { describe, expect, it } from 'vitest';
import type { CheckResult, ProgressState } from '../../../../electron/common/api/labs.ts';
import { FakeApi } from '../../test/fake-api.ts';
import { sampleLab } from '../../test/lab-fixture.ts';
import { WorkspaceState } from './workspace.svelte.ts';

function verdict(checkId: string, status: CheckResult['status'], stepId = 'create-pod'): CheckResult {
  return { labId: '1.2', stepId, checkId, kind: 'resource', status, message: `${checkId} ${status}`, at: 'now' };
}

function setup(progress: ProgressState = { courseId: 'c', labs: {} }) {
  const api = new FakeApi()
    .handle('app.info', () => ({ name: 'Labdeck', version: '0', shell: 'browser', platform: 'linux', course: { id: 'c', title: 'Course' } }))
    .handle('labs.list', () => [])
    .handle('progress.get', () => progress)
    .handle('cluster.map', () => ({ nodes: [], pods: [], services: [], available: false, updatedAt: 'now' }))
    .handle('labs.get', () => sampleLab())
    .handle('labs.activate', ({ stepId }) => (stepId === 'create-pod' ? [verdict('pod-exists', 'failed')] : []));
  const state = new WorkspaceState(api);
  state.start();
  return { api, state };
}

const activations = (api: FakeApi) => api.calls.filter((call) => call.name === 'labs.activate').map((call) => call.input);

describe('WorkspaceState', () => {
  it('counts a check as acted on only once its verdict moves, not at the opening of the step', async () => {
    const { api, state } = setup();
    await state.openLab('1.2');
    expect(state.result('pod-exists')?.status).toBe('failed');
    expect(state.hasActed('pod-exists')).toBe(false);
    // The same verdict again (a re-evaluation with nothing new) is no action of the attendee's.
    api.emit('checks.result', verdict('pod-exists', 'failed'));
    expect(state.hasActed('pod-exists')).toBe(false);
    // Failing differently means the cluster changed under the attendee's hands.
    api.emit('checks.result', { ...verdict('pod-exists', 'failed'), message: 'image is nginx:latestt, expected nginx' });
    expect(state.hasActed('pod-exists')).toBe(true);
  });

  it('counts a command check failing after it waited for the record as acting (a command was typed)', async () => {
    const { api, state } = setup();
    await state.openLab('1.2');
    const command = (status: CheckResult['status'], message: string): CheckResult => ({ ...verdict('ran-get', status), kind: 'command', message });
    api.emit('checks.result', command('waiting', 'The jumphost is not running, so its command record cannot be read yet'));
    expect(state.hasActed('ran-get')).toBe(false);
    api.emit('checks.result', command('failed', 'curl -s http://localhost:30081/ uses port 30081, expected port 30080'));
    expect(state.hasActed('ran-get')).toBe(true);
  });

  it('counts a pass as acting, so a later failure shows as a regression', async () => {
    const { api, state } = setup();
    await state.openLab('1.2');
    api.emit('checks.result', verdict('pod-exists', 'passed'));
    api.emit('checks.result', verdict('pod-exists', 'failed'));
    expect(state.hasActed('pod-exists')).toBe(true);
  });

  it('activates the step it shows and keeps its badges current from checks.result', async () => {
    const { api, state } = setup();
    await state.openLab('1.2');
    expect(activations(api)).toEqual([{ labId: '1.2', stepId: 'create-pod' }]);
    expect(state.result('pod-exists')?.status).toBe('failed');
    api.emit('checks.result', verdict('pod-exists', 'passed'));
    expect(state.result('pod-exists')?.status).toBe('passed');
    await state.nextStep();
    expect(state.step?.id).toBe('delete-pod');
    expect(activations(api)).toHaveLength(2);
    await state.nextStep();
    expect(state.step?.id).toBe('delete-pod');
    expect(activations(api)).toHaveLength(2);
  });

  it('turns to the next step not done yet when the step on screen becomes done', async () => {
    const { api, state } = setup();
    await state.openLab('1.2');
    expect(state.step?.id).toBe('create-pod');
    const done = { status: 'done' as const, hintsRevealed: 0, solutionViewed: false };
    const open = { status: 'todo' as const, hintsRevealed: 0, solutionViewed: false };
    // Another step finishing (done ahead, from commands typed earlier) does not move the page.
    api.emit('progress.changed', { courseId: 'c', labs: { '1.2': { activeMs: 0, steps: { 'create-pod': open, 'delete-pod': done } } } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(state.step?.id).toBe('create-pod');
    // The step on screen finishing does; with every later step done, the page stays.
    api.emit('progress.changed', { courseId: 'c', labs: { '1.2': { activeMs: 0, steps: { 'create-pod': done, 'delete-pod': done } } } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(state.step?.id).toBe('create-pod');
    await state.showStep(0);
    api.emit('progress.changed', { courseId: 'c', labs: { '1.2': { activeMs: 0, steps: { 'create-pod': open } } } });
    api.emit('progress.changed', { courseId: 'c', labs: { '1.2': { activeMs: 0, steps: { 'create-pod': done } } } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(state.step?.id).toBe('delete-pod');
    expect(activations(api).at(-1)).toEqual({ labId: '1.2', stepId: 'delete-pod' });
  });

  it('reopens a lab where the attendee was, else at the first step not done', async () => {
    const done = { status: 'done' as const, hintsRevealed: 0, solutionViewed: false };
    const { state } = setup({ courseId: 'c', labs: { '1.2': { activeMs: 0, steps: { 'create-pod': done } } } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    await state.openLab('1.2');
    expect(state.step?.id).toBe('delete-pod');
  });

  it('follows progress.changed from the backend', async () => {
    const { api, state } = setup();
    const changed: ProgressState = { courseId: 'c', labs: { '1.2': { activeMs: 5, steps: {} } } };
    api.emit('progress.changed', changed);
    expect(state.progress).toEqual(changed);
  });

  it('keeps the guide usable and shows what to do when activation fails', async () => {
    const { api, state } = setup();
    api.handle('labs.activate', () => {
      throw Object.assign(new Error('The lab cluster is not running.'), { action: 'Start the environment on the Start screen.' });
    });
    await state.openLab('1.2');
    expect(state.step?.id).toBe('create-pod');
    expect(state.error).toEqual({ message: 'The lab cluster is not running.', action: 'Start the environment on the Start screen.' });
  });

  it('cleans up the open lab and says what was deleted', async () => {
    const { api, state } = setup();
    api.handle('labs.cleanup', () => ({ deleted: [{ kind: 'Pod', namespace: 'default', name: 'nginx' }] }));
    await state.openLab('1.2');
    await state.cleanupLab();
    expect(api.calls.filter((call) => call.name === 'labs.cleanup').map((call) => call.input)).toEqual([{ labId: '1.2' }]);
    expect(state.notice).toBe('Deleted Pod default/nginx.');
    expect(state.busy).toBeNull();
  });

  it("shows the backend's reason and what to do when cleanup cannot run", async () => {
    const { api, state } = setup();
    api.handle('labs.cleanup', () => {
      throw Object.assign(new Error('There is no running cluster to clean up.'), { action: 'Start the lab environment from the Start screen first.' });
    });
    await state.openLab('1.2');
    await state.cleanupLab();
    expect(state.error).toBeNull();
    expect(state.actionError).toEqual({ message: 'There is no running cluster to clean up.', action: 'Start the lab environment from the Start screen first.' });
    expect(state.notice).toBeNull();
  });

  it('resets the open lab and goes back to its first step', async () => {
    const done = { status: 'done' as const, hintsRevealed: 1, solutionViewed: false };
    const { api, state } = setup({ courseId: 'c', labs: { '1.2': { activeMs: 0, steps: { 'create-pod': done } } } });
    api.handle('progress.reset', () => ({ courseId: 'c', labs: {} }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    await state.openLab('1.2');
    expect(state.step?.id).toBe('delete-pod');
    await state.resetLabProgress();
    expect(api.calls.filter((call) => call.name === 'progress.reset').map((call) => call.input)).toEqual([{ labId: '1.2' }]);
    expect(state.progress?.labs).toEqual({});
    expect(state.step?.id).toBe('create-pod');
    expect(state.notice).toBe('Progress of lab 1.2 was reset.');
  });
});
