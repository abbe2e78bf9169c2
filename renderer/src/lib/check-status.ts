import type { CheckResult, CheckStatus } from '../../../electron/common/api/labs.ts';

/**
 * What a badge shows: the engine's verdict, except that a check failing before the attendee has done anything
 * about it is "not yet" (neutral), not a red "failed": at the start of a step nothing exists yet, and that
 * is no mistake of theirs.
 */
export type ShownStatus = CheckStatus | 'not-yet';

/** Every status has an icon and a word, so it never depends on colour alone. */
export const checkStatusLabel: Record<ShownStatus, { icon: string; text: string }> = {
  passed: { icon: '✓', text: 'Passed' },
  failed: { icon: '✗', text: 'Failed' },
  'not-yet': { icon: '○', text: 'Not yet' },
  error: { icon: '!', text: 'Error' },
  waiting: { icon: '…', text: 'Waiting' },
  skipped: { icon: '–', text: 'Skipped' },
};

export function resultKey(labId: string, stepId: string, checkId: string): string {
  return `${labId}/${stepId}/${checkId}`;
}

/**
 * Whether the attendee has acted on a check, from the verdicts seen so far: it passed at some point (a later
 * failure is a regression), or it failed and then failed differently (the cluster or the command record
 * changed while the step was open: the attendee did something, and the message says what is still wrong).
 * For an object check, a verdict arriving after "waiting" (the cluster came up) is a starting point, not an
 * action; a command check's record only grows by what the attendee types.
 */
export function hasActed(acted: boolean, previous: CheckResult | undefined, next: CheckResult): boolean {
  if (acted || next.status === 'passed') return true;
  if (!previous || next.status !== 'failed') return false;
  // Command checks change only when a command was typed (the record waits for the first one): any new verdict is an action.
  if (next.kind === 'command') return previous.status !== next.status || previous.message !== next.message;
  return previous.status === 'failed' && previous.message !== next.message;
}

export function shownStatus(result: CheckResult | undefined, acted: boolean): ShownStatus {
  if (!result) return 'waiting';
  return result.status === 'failed' && !acted ? 'not-yet' : result.status;
}
