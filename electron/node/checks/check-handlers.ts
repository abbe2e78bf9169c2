import type { CallHandlers } from '../../common/api/contract.ts';
import type { CheckEngine } from './check-engine.ts';

type CheckCalls = 'labs.activate' | 'labs.results' | 'labs.cleanup';

/** labs.activate / labs.results / labs.cleanup: the renderer's view of the check engine. */
export function createCheckHandlers(engine: CheckEngine): Pick<CallHandlers, CheckCalls> {
  return {
    'labs.activate': async ({ labId, stepId }) => engine.activate(labId, stepId),
    'labs.results': async ({ labId }) => engine.results(labId),
    'labs.cleanup': async ({ labId, stepId }) => engine.cleanup(labId, stepId),
  };
}
