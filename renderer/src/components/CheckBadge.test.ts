import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../electron/common/api/labs.ts';
import CheckBadge from './CheckBadge.svelte';

function result(status: CheckResult['status'], message: string, evidence?: unknown): CheckResult {
  return { labId: '1.2', stepId: 'create-pod', checkId: 'pod-image', kind: 'resource', status, message, evidence, at: '2026-01-01T00:00:00Z' };
}

describe('CheckBadge', () => {
  it.each([
    ['passed', 'Passed'],
    ['failed', 'Failed'],
    ['error', 'Error'],
    ['waiting', 'Waiting'],
    ['skipped', 'Skipped'],
  ] as const)('shows %s as words, not only colour', (status, text) => {
    render(CheckBadge, { title: 'Pod runs nginx', result: result(status, `reason for ${status}`) });
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
    });
    expect(screen.getByText('image is nginx:latestt, expected nginx')).toBeTruthy();
    expect(screen.queryByLabelText('Evidence for Pod runs nginx')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Show evidence' }));
    const evidence = screen.getByLabelText('Evidence for Pod runs nginx');
    expect(evidence.textContent).toBe('{\n  "image": "nginx:latestt"\n}');
    await fireEvent.click(screen.getByRole('button', { name: 'Hide evidence' }));
    expect(screen.queryByLabelText('Evidence for Pod runs nginx')).toBeNull();
  });
});
