import type { z } from 'zod';
import { appCalls } from './app.ts';
import { classroomCalls, classroomEvents } from './classroom.ts';
import { clusterCalls, clusterEvents } from './cluster.ts';
import { courseCalls, courseEvents } from './course.ts';
import { envCalls, envEvents } from './env.ts';
import { labCalls, labEvents } from './labs.ts';
import { reportCalls } from './reports.ts';
import { terminalCalls, terminalEvents } from './terminal.ts';

/** Every call the renderer may make. Both transports (Electron IPC, loopback WebSocket) serve exactly these. */
export const calls = {
  ...appCalls,
  ...envCalls,
  ...labCalls,
  ...clusterCalls,
  ...terminalCalls,
  ...reportCalls,
  ...courseCalls,
  ...classroomCalls,
} as const;

/** Every event stream the backend pushes. */
export const events = {
  ...envEvents,
  ...labEvents,
  ...clusterEvents,
  ...terminalEvents,
  ...courseEvents,
  ...classroomEvents,
} as const;

export type Calls = typeof calls;
export type Events = typeof events;
export type CallName = keyof Calls;
export type EventName = keyof Events;
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
export type CallParsedInput<K extends CallName> = z.output<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>;
export type EventPayload<K extends EventName> = z.output<Events[K]['payload']>;

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** The backend side: one async handler per call, receiving already-validated input. */
export interface CallContext {
  /** Which connected renderer made the call; events for its terminals go back to it only. */
  clientId: string;
}
export type CallHandlers = {
  [K in CallName]: (input: CallParsedInput<K>, context: CallContext) => Promise<CallOutput<K>>;
};

/** Where the backend sends events. `clientId` narrows delivery to one renderer (terminal output). */
export interface EventSink {
  emit<K extends EventName>(name: K, payload: EventPayload<K>, clientId?: string): void;
}
