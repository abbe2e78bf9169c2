import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../../electron/common/api/contract.ts';

/** Whether the page can reach the backend right now (the browser shell's socket can drop and come back). */
export type ConnectionState = 'connecting' | 'open' | 'lost';

/**
 * The slice of the renderer API object (lib/api) that screens and components use. Components take it as a
 * prop instead of reaching for a global, so component tests hand in a small fake.
 */
export interface WorkspaceApi {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
  /** Connection changes; after 'open' following 'lost', terminals must re-attach to get their output back. */
  onConnection?(listener: (state: ConnectionState) => void): () => void;
}
