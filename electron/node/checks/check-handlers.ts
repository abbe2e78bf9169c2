import type { CallHandlers } from '../../common/api/contract.ts';
import type { CheckEngine } from './check-engine.ts';

type CheckCalls = 'labs.activate' | 'labs.results' | 'labs.cleanup';

/**
 * labs.activate / labs.results / labs.cleanup: the renderer's view of the check engine. `onActivate` hears
 * which step the attendee opened (progress remembers it and journals the opening); it runs before the
 * engine judges the step, so the journal shows the opening before any evidence gathered in it.
 */
export function createCheckHandlers(engine: CheckEngine, onActivate: (labId: string, stepId: string, openedAt: Date) => unknown = () => undefined): Pick<CallHandlers, CheckCalls> {
  return {
    'labs.activate': async ({ labId, stepId }) => {
      // One opening time for the journal and the engine: evidence is judged against the same instant the
      // journal shows, so no pass can appear to come before its step was opened.
      const openedAt = new Date();
      await onActivate(labId, stepId, openedAt);
      return engine.activate(labId, stepId, openedAt);
    },
    'labs.results': async ({ labId }) => engine.results(labId),
    'labs.cleanup': async ({ labId, stepId }) => engine.cleanup(labId, stepId),
  };
}
