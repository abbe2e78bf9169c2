import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../../electron/common/api/contract.ts';
import type { WorkspaceApi } from '../lib/workspace-api.ts';

type Handler<K extends CallName> = (input: CallInput<K>) => Promise<CallOutput<K>> | CallOutput<K>;

/** An in-memory stand-in for the renderer API: tests answer calls and push events by hand. */
export class FakeApi implements WorkspaceApi {
  readonly calls: Array<{ name: CallName; input: unknown }> = [];
  readonly #handlers = new Map<CallName, (input: unknown) => unknown>();
  readonly #listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  handle<K extends CallName>(name: K, handler: Handler<K>): this {
    this.#handlers.set(name, handler as (input: unknown) => unknown);
    return this;
  }

  async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
    this.calls.push({ name, input });
    const handler = this.#handlers.get(name);
    if (!handler) throw Object.assign(new Error(`${name} is not available in this test`), { action: 'Give the fake a handler.' });
    return (await handler(input)) as CallOutput<K>;
  }

  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    set.add(listener as (payload: unknown) => void);
    this.#listeners.set(name, set);
    return () => set.delete(listener as (payload: unknown) => void);
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    for (const listener of this.#listeners.get(name) ?? []) listener(payload);
  }
}
