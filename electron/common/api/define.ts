import type { z } from 'zod';

/** A request/response call: both directions carry a runtime schema, so neither side trusts the other. */
export interface CallDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly summary: string;
}

/** A stream of events pushed from the backend to the renderer. */
export interface EventDef<P extends z.ZodType = z.ZodType> {
  readonly payload: P;
  readonly summary: string;
}

export function defineCall<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string): CallDef<I, O> {
  return { input, output, summary };
}

export function defineEvent<P extends z.ZodType>(payload: P, summary: string): EventDef<P> {
  return { payload, summary };
}
