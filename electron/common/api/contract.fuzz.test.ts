import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../node/backend/dispatcher.ts';
import { LabdeckError } from '../errors.ts';
import { callNames, calls, eventNames, events, type CallHandlers } from './contract.ts';
import { ClientMessageSchema, ServerMessageSchema } from './wire.ts';

// Property-based fuzzing of every API payload schema, through the dispatcher both transports use: whatever
// arrives, nothing throws, and every rejection says what was wrong (with the field, where there is one) and
// what to do.

const reached = new LabdeckError('not-found', 'handler reached', { action: 'none' });
const handlers = Object.fromEntries(callNames.map((name) => [name, async () => Promise.reject(reached)])) as unknown as CallHandlers;
const dispatcher = new Dispatcher(handlers, { logUnexpected: () => undefined });

/** Inputs near the real shapes (right keys, wrong or odd values) as well as anything at all. */
const nearKeys = ['labId', 'stepId', 'id', 'yaml', 'fileName', 'url', 'target', 'cols', 'rows', 'data', 'bytes', 'merge', 'kind', 'node', 'attendee', '__proto__', 'constructor'];
const oddValue = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom('1.2', '../../etc/passwd', 't1', 'jumphost', 'https://kubernetes.io/', 'javascript:alert(1)', '', '\u0000', 'x'.repeat(20_000)),
  fc.integer(),
  fc.double(),
);
const nearInput = fc.dictionary(fc.constantFrom(...nearKeys), oddValue, { maxKeys: 5 });
const anyInput = fc.oneof(fc.anything({ maxDepth: 4, withObjectString: true, withNullPrototype: true }), nearInput);

describe('API payload schemas under fuzzing', () => {
  it('every call: no throw, and every rejection has a message, a field where there is one, and an action', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...callNames), anyInput, async (name, input) => {
        const outcome = await dispatcher.dispatch(name, input, { clientId: 'fuzz' });
        if (outcome.ok) return;
        if (outcome.error.message === 'handler reached') {
          // Accepted input must really satisfy the call's schema.
          expect(calls[name].input.safeParse(input).success).toBe(true);
          return;
        }
        expect(outcome.error.code).toBe('invalid-request');
        expect(outcome.error.message).toMatch(new RegExp(`^${name.replace('.', '\\.')} was called with`));
        expect(outcome.error.message.length).toBeLessThan(2000);
        expect(outcome.error.action).toBeTruthy();
        const parsed = calls[name].input.safeParse(input);
        const path = parsed.success ? [] : (parsed.error.issues[0]?.path ?? []);
        if (path.length > 0 && typeof path[0] === 'string' && !outcome.error.message.includes('Labdeck does not accept')) expect(outcome.error.message).toContain(String(path[0]));
      }),
      { numRuns: 1500 },
    );
  });

  it('unknown call names and non-strings are refused with a message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 2 }), anyInput, async (name, input) => {
        fc.pre(!(typeof name === 'string' && (callNames as string[]).includes(name)));
        const outcome = await dispatcher.dispatch(name, input, { clientId: 'fuzz' });
        expect(outcome.ok).toBe(false);
        expect(!outcome.ok && outcome.error.code).toBe('unknown-call');
        expect(!outcome.ok && outcome.error.message.length).toBeLessThan(300);
      }),
      // Found by this test: a name like { toString: 0 } made the dispatcher throw while describing it.
      { numRuns: 500, examples: [[{ toString: 0 }, {}], [Object.create(null), {}], [Symbol('x'), {}]] },
    );
  });

  it('every event payload schema and the wire messages reject with messages, never throw', () => {
    const schemas = [...eventNames.map((name) => events[name].payload), ClientMessageSchema, ServerMessageSchema];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: schemas.length - 1 }), anyInput, (index, value) => {
        const result = schemas[index]!.safeParse(value);
        if (result.success) return;
        expect(result.error.issues.length).toBeGreaterThan(0);
        for (const issue of result.error.issues) expect(issue.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 1500 },
    );
  });
});
