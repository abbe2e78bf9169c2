import { describe, expect, it } from 'vitest';
import type { CheckEngine } from './check-engine.ts';
import { createCheckHandlers } from './check-handlers.ts';

describe('labs.activate', () => {
  it('gives progress (the journal) and the engine the same opening time, progress first', async () => {
    const calls: Array<[string, Date]> = [];
    const engine = {
      activate: async (_labId: string, _stepId: string, openedAt: Date) => {
        calls.push(['engine', openedAt]);
        return [];
      },
    } as unknown as CheckEngine;
    const handlers = createCheckHandlers(engine, (_labId, _stepId, openedAt) => {
      calls.push(['progress', openedAt]);
    });
    await handlers['labs.activate']({ labId: '1.1', stepId: 'get-nodes' }, { clientId: 'test' });
    expect(calls.map(([who]) => who)).toEqual(['progress', 'engine']);
    expect(calls[0]![1]).toBe(calls[1]![1]);
  });
});
