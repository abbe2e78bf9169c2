import type { CallHandlers } from '../../common/api/contract.ts';
import type { ProgressStore } from './progress-store.ts';

type ProgressCalls = 'progress.get' | 'progress.revealHint' | 'progress.viewSolution' | 'progress.reset';

/**
 * progress.* calls. `onReset` hears a reset (the check engine forgets that lab's verdicts and openings, so
 * its steps are earned again rather than turning green from what was done before the reset).
 */
export function createProgressHandlers(store: ProgressStore, options: { onReset?: (labId: string | undefined) => Promise<void> | void } = {}): Pick<CallHandlers, ProgressCalls> {
  return {
    'progress.get': async () => store.get(),
    'progress.revealHint': async ({ labId, stepId }) => store.revealHint(labId, stepId),
    'progress.viewSolution': async ({ labId, stepId }) => store.viewSolution(labId, stepId),
    'progress.reset': async ({ labId }) => {
      const state = store.reset(labId);
      await options.onReset?.(labId);
      return state;
    },
  };
}
