import { calls, events, type CallInput, type CallName, type CallOutput, type EventName, type EventPayload } from '../../../../electron/common/api/contract.ts';
import { RemoteError } from '../../../../electron/common/errors.ts';
import type { ConnectionState, WorkspaceApi } from '../workspace-api.ts';
import type { Transport } from './transport.ts';

/**
 * The typed API the renderer uses over either transport. Inputs are checked before they leave and outputs
 * and events are checked when they arrive, so a mismatch between window and backend shows up as a clear
 * error at the boundary instead of as a broken screen.
 */
export class ApiClient implements WorkspaceApi {
  readonly #transport: Transport;
  readonly #listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  constructor(transport: Transport) {
    this.#transport = transport;
    transport.onEvent((name, payload) => this.#deliver(name, payload));
  }

  async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
    const parsedInput = calls[name].input.safeParse(input);
    if (!parsedInput.success) {
      throw new RemoteError({ name: 'InvalidRequest', code: 'invalid-request', message: `${name}: ${parsedInput.error.issues[0]?.message ?? 'invalid input'}` });
    }
    const outcome = await this.#transport.send(name, parsedInput.data);
    if (!outcome.ok) throw new RemoteError(outcome.error);
    const parsedOutput = calls[name].output.safeParse(outcome.value);
    if (!parsedOutput.success) {
      throw new RemoteError({
        name: 'InvalidResponse',
        code: 'invalid-response',
        message: `${name} answered with data this window does not understand.`,
        action: 'The window and the backend come from different Labdeck versions; restart Labdeck.',
      });
    }
    return parsedOutput.data as CallOutput<K>;
  }

  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    const untyped = listener as (payload: unknown) => void;
    set.add(untyped);
    this.#listeners.set(name, set);
    return () => set.delete(untyped);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    return this.#transport.onConnection(listener);
  }

  #deliver(name: string, payload: unknown): void {
    if (!Object.hasOwn(events, name)) return;
    const eventName = name as EventName;
    const listeners = this.#listeners.get(eventName);
    if (!listeners || listeners.size === 0) return;
    const parsed = events[eventName].payload.safeParse(payload);
    if (!parsed.success) {
      console.warn(`Labdeck: dropped a malformed ${name} event`, parsed.error.issues);
      return;
    }
    for (const listener of listeners) listener(parsed.data);
  }
}
