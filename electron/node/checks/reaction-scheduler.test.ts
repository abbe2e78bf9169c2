import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReactionScheduler } from './reaction-scheduler.ts';

// Issue 21, check reaction: a single change is judged without waiting for the window, and a burst costs
// at most two evaluations.

describe('ReactionScheduler', () => {
  let runs: number[];
  let scheduler: ReactionScheduler;

  beforeEach(() => {
    vi.useFakeTimers();
    runs = [];
    scheduler = new ReactionScheduler(() => runs.push(Date.now()), 150);
  });

  afterEach(() => {
    scheduler.dispose();
    vi.useRealTimers();
  });

  it('judges a single change after a quiet spell at once, not after the window', async () => {
    const start = Date.now();
    scheduler.poke();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([start]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toHaveLength(1);
  });

  it('takes changes reported in the same turn as one', async () => {
    for (let change = 0; change < 5; change++) scheduler.poke();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toHaveLength(1);
  });

  it('evaluates a burst of changes within the window at most twice: at once, and when the window ends', async () => {
    const start = Date.now();
    scheduler.poke();
    await vi.advanceTimersByTimeAsync(0);
    for (let change = 0; change < 20; change++) {
      await vi.advanceTimersByTimeAsync(5);
      scheduler.poke();
    }
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([start, start + 150]);
  });

  it('judges a change after the burst has settled at once again', async () => {
    scheduler.poke();
    await vi.advanceTimersByTimeAsync(10);
    scheduler.poke();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toHaveLength(2);
    const later = Date.now();
    scheduler.poke();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.at(-1)).toBe(later);
  });

  it('costs one evaluation per window for a stream that never stops, as the old debounce did', async () => {
    for (let tick = 0; tick < 100; tick++) {
      scheduler.poke();
      await vi.advanceTimersByTimeAsync(10);
    }
    // 1,000 ms of changes every 10 ms: the leading run, then one per 150 ms window.
    expect(runs.length).toBeLessThanOrEqual(1 + Math.ceil(1000 / 150));
  });

  it('runs nothing once disposed', async () => {
    scheduler.poke();
    scheduler.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([]);
  });
});
