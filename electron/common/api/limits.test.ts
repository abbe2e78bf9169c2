import { describe, expect, it, vi } from 'vitest';
import { Dispatcher } from '../../node/backend/dispatcher.ts';
import type { CallHandlers } from './contract.ts';
import { checkInputSize, defaultMaxInputBytes, maxInputBytes } from './limits.ts';

// Every call's input is bounded before its schema runs: refusing an oversized input must be cheap, and
// its error short and actionable, whatever the input holds.

function dispatcherWith(handlers: Partial<CallHandlers>) {
  return new Dispatcher(handlers as CallHandlers, { logUnexpected: () => undefined });
}

const context = { clientId: 'test' };

describe('input bounds per call', () => {
  it('gives manifests and pastes room, and everything else a small bound', () => {
    expect(maxInputBytes('cluster.validate')).toBeGreaterThan(1_000_000);
    expect(maxInputBytes('terminal.input')).toBeGreaterThan(100_000);
    expect(maxInputBytes('labs.list')).toBe(defaultMaxInputBytes);
    expect(maxInputBytes('__proto__')).toBe(defaultMaxInputBytes);
  });

  it('measures without recursion and stops at the bound', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(checkInputSize(deep, 1_000_000)).toEqual({ ok: false, reason: expect.stringContaining('nests deeper') });
    expect(checkInputSize({ yaml: 'x'.repeat(2_000_000) }, 1_000_000)).toEqual({ ok: false, reason: expect.stringContaining('larger than') });
    expect(checkInputSize({ labId: '1.2', stepId: 'apply' }, 100)).toEqual({ ok: true });
  });

  it('reads no more of an input than its bound allows', () => {
    let reads = 0;
    const keys = Array.from({ length: 200_000 }, (_, index) => `k${index}`);
    const counting = new Proxy(Object.fromEntries(keys.map((key) => [key, 1])), {
      get(target, key) {
        reads += 1;
        return Reflect.get(target, key);
      },
    });
    expect(checkInputSize(counting, defaultMaxInputBytes).ok).toBe(false);
    // Each key costs at least a few bytes, so the walk stops after a few thousand values, not 200,000.
    expect(reads).toBeLessThan(defaultMaxInputBytes / 4);
  });

  it('refuses 200,000 junk keys with a short message and an action, without running the handler', async () => {
    const handler = vi.fn(async () => []);
    const junk = Object.fromEntries(Array.from({ length: 200_000 }, (_, index) => [`k${index}`, index]));
    const outcome = await dispatcherWith({ 'labs.list': handler }).dispatch('labs.list', junk, context);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('invalid-request');
    expect(outcome.error.message.length).toBeLessThan(300);
    expect(outcome.error.action).toBeTruthy();
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses a manifest call carrying more than its 1 MB, and says how to split it', async () => {
    const handler = vi.fn(async () => ({ problems: [] }));
    const outcome = await dispatcherWith({ 'cluster.validate': handler }).dispatch('cluster.validate', { yaml: 'a', extra: 'x'.repeat(1_200_000) }, context);
    expect(!outcome.ok && outcome.error.action).toContain('Split the manifest');
    expect(!outcome.ok && outcome.error.message.length).toBeLessThan(300);
    expect(handler).not.toHaveBeenCalled();
  });

  it('lets a full-size manifest through to its handler', async () => {
    const handler = vi.fn(async () => ({ problems: [] }));
    const outcome = await dispatcherWith({ 'cluster.validate': handler }).dispatch('cluster.validate', { yaml: 'x'.repeat(1_000_000) }, context);
    expect(outcome.ok).toBe(true);
    expect(handler).toHaveBeenCalledOnce();
  });
});
