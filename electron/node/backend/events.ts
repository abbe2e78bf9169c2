import { events as eventDefs, type EventName, type EventPayload, type EventSink } from '../../common/api/contract.ts';

export type EventListener = <K extends EventName>(name: K, payload: EventPayload<K>, clientId?: string) => void;

/**
 * Fans backend events out to every connected transport. Payloads are validated here, once, so a module
 * that emits a malformed event fails loudly in tests instead of confusing the renderer.
 */
export class EventHub implements EventSink {
  readonly #listeners = new Set<EventListener>();

  emit<K extends EventName>(name: K, payload: EventPayload<K>, clientId?: string): void {
    const parsed = eventDefs[name].payload.safeParse(payload);
    if (!parsed.success) {
      throw new Error(`Event ${name} has an invalid payload: ${parsed.error.message}`);
    }
    for (const listener of this.#listeners) listener(name, parsed.data as EventPayload<K>, clientId);
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
