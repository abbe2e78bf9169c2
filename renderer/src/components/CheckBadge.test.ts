import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../electron/common/api/labs.ts';
import CheckBadge from './CheckBadge.svelte';

function result(status: CheckResult['status'], message: string, evidence?: unknown, extra: Partial<CheckResult> = {}): CheckResult {
  return { labId: '1.2', stepId: 'create-pod', checkId: 'pod-image', kind: 'resource', status, message, evidence, at: '2026-01-01T00:00:00Z', ...extra };
}

describe('CheckBadge', () => {
  it.each([
    ['passed', 'Passed'],
    ['failed', 'Failed'],
    ['error', 'Error'],
    ['waiting', 'Waiting'],
    ['skipped', 'Skipped'],
  ] as const)('shows %s as words, not only colour', (status, text) => {
    render(CheckBadge, { title: 'Pod runs nginx', result: result(status, `reason for ${status}`), acted: true });
    const badge = screen.getByRole('status', { name: `Pod runs nginx: ${text}` });
    expect(badge.textContent).toContain(text);
    expect(screen.getByText(`reason for ${status}`)).toBeTruthy();
  });

  it('says it is waiting before any verdict arrives', () => {
    render(CheckBadge, { title: 'Pod exists', result: undefined });
    expect(screen.getByRole('status', { name: 'Pod exists: Waiting' })).toBeTruthy();
    expect(screen.getByText(/waiting for the first result/i)).toBeTruthy();
  });

  it('shows the evidence pretty-printed only when asked', async () => {
    render(CheckBadge, {
      title: 'Pod runs nginx',
      result: result('failed', 'image is nginx:latestt, expected nginx', { image: 'nginx:latestt' }),
      acted: true,
    });
    expect(screen.getByText('image is nginx:latestt, expected nginx')).toBeTruthy();
    expect(screen.queryByLabelText('Evidence for Pod runs nginx')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Show evidence' }));
    const evidence = screen.getByLabelText('Evidence for Pod runs nginx');
    expect(evidence.textContent).toBe('{\n  "image": "nginx:latestt"\n}');
    await fireEvent.click(screen.getByRole('button', { name: 'Hide evidence' }));
    expect(screen.queryByLabelText('Evidence for Pod runs nginx')).toBeNull();
  });

  it('starts neutral ("Not yet"), with no hint, before the attendee has acted', () => {
    render(CheckBadge, { title: 'Pod runs nginx', result: result('failed', 'Pod nginx not found in namespace default', undefined, { hint: 'Use `kubectl run`.' }), hintAllowed: true });
    expect(screen.getByRole('status', { name: 'Pod runs nginx: Not yet' })).toBeTruthy();
    expect(screen.queryByText(/Failed/)).toBeNull();
    expect(screen.queryByText(/kubectl run/)).toBeNull();
  });

  it("shows the check's hint as Markdown only once hints were asked for", () => {
    const failed = result('failed', 'image is nginx:latestt', undefined, { hint: 'Use `kubectl run nginx --image=nginx`.' });
    const { unmount } = render(CheckBadge, { title: 'Pod runs nginx', result: failed, acted: true, hintAllowed: false });
    expect(screen.queryByText(/kubectl run nginx/)).toBeNull();
    unmount();
    render(CheckBadge, { title: 'Pod runs nginx', result: failed, acted: true, hintAllowed: true });
    const code = screen.getByText('kubectl run nginx --image=nginx');
    expect(code.tagName).toBe('CODE');
    expect(document.body.textContent).not.toContain('`');
  });

  it('says when a once-mode check that passed no longer holds, and keeps it passed', () => {
    render(CheckBadge, { title: 'Pod nginx-kubectl exists', result: result('passed', 'Pod nginx-kubectl exists', undefined, { sticky: true, noLongerHolds: 'Pod nginx-kubectl not found in namespace default' }) });
    expect(screen.getByRole('status', { name: 'Pod nginx-kubectl exists: Passed' })).toBeTruthy();
    expect(screen.getByTestId('no-longer-holds').textContent).toContain('Now: Pod nginx-kubectl not found in namespace default');
  });

  it('with --kubeconfig, sends command checks to the host shell, not to a jumphost', () => {
    const waiting = result('waiting', 'The jumphost is not running, so its command record cannot be read yet', undefined, { kind: 'command' });
    render(CheckBadge, { title: 'You ran kubectl get pods', result: waiting, externalCluster: true });
    expect(screen.getByRole('status', { name: 'You ran kubectl get pods: Not yet' })).toBeTruthy();
    expect(screen.getByText(/host shell tab/)).toBeTruthy();
    expect(screen.queryByText(/jumphost is not running/)).toBeNull();
  });
});
