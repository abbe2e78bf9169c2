import type { CallHandlers } from '../../common/api/contract.ts';
import type { CheckEngine } from './check-engine.ts';

type CheckCalls = 'labs.activate' | 'labs.results' | 'labs.cleanup';

/**
 * labs.activate / labs.results / labs.cleanup: the renderer's view of the check engine. `onActivate` hears
 * which step the attendee opened (progress remembers it).
 */
export function createCheckHandlers(engine: CheckEngine, onActivate: (labId: string, stepId: string) => void = () => undefined): Pick<CallHandlers, CheckCalls> {
  return {
    'labs.activate': async ({ labId, stepId }) => {
      const results = await engine.activate(labId, stepId);
      onActivate(labId, stepId);
      return results;
    },
    'labs.results': async ({ labId }) => engine.results(labId),
    'labs.cleanup': async ({ labId, stepId }) => engine.cleanup(labId, stepId),
  };
}
