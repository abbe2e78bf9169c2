import { callNames, eventNames, type CallName, type EventName } from '../common/api/contract.ts';

/**
 * The call and event names the preload lets through. In source this reads the contract; the bundler
 * (electron/build/bundle.ts) replaces this module with the same two lists as literals, so the sandboxed
 * preload does not carry zod and every schema just to check a name.
 */
const calls = new Set<string>(callNames);
const events = new Set<string>(eventNames);

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && calls.has(name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && events.has(name);
}
