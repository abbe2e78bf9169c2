import type { CheckStatus } from '../../../electron/common/api/labs.ts';

/** Every status has an icon and a word, so it never depends on colour alone. */
export const checkStatusLabel: Record<CheckStatus, { icon: string; text: string }> = {
  passed: { icon: '✓', text: 'Passed' },
  failed: { icon: '✗', text: 'Failed' },
  error: { icon: '!', text: 'Error' },
  waiting: { icon: '…', text: 'Waiting' },
  skipped: { icon: '–', text: 'Skipped' },
};

export function resultKey(labId: string, stepId: string, checkId: string): string {
  return `${labId}/${stepId}/${checkId}`;
}
