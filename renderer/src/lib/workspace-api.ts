import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../../electron/common/api/contract.ts';

/**
 * The slice of the renderer API object (lib/api) that screens and components use. Components take it as a
 * prop instead of reaching for a global, so component tests hand in a small fake.
 */
export interface WorkspaceApi {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
}
