import type { CallHandlers } from '../../common/api/contract.ts';
import type { ProgressStore } from './progress-store.ts';

type ProgressCalls = 'progress.get' | 'progress.revealHint' | 'progress.viewSolution' | 'progress.reset';

export function createProgressHandlers(store: ProgressStore): Pick<CallHandlers, ProgressCalls> {
  return {
    'progress.get': async () => store.get(),
    'progress.revealHint': async ({ labId, stepId }) => store.revealHint(labId, stepId),
    'progress.viewSolution': async ({ labId, stepId }) => store.viewSolution(labId, stepId),
    'progress.reset': async ({ labId }) => store.reset(labId),
  };
}
