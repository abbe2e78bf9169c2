import { afterEach, vi } from 'vitest';

/**
 * Vitest setup for every project: a promise rejected with nobody listening fails the test it happened in
 * (vitest alone reports it for the whole run, without saying which test, and easily scrolled past). A
 * rejection after the last test of a file still reaches vitest's own handler, which fails the run.
 */
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

afterEach(async () => {
  // One macrotask turn: Node reports a rejection only after the microtasks that could still handle it ran.
  if (!vi.isFakeTimers()) await new Promise((resolve) => setTimeout(resolve, 0));
  if (unhandled.length === 0) return;
  const reasons = unhandled.splice(0);
  const first = reasons[0];
  const text = first instanceof Error ? (first.stack ?? first.message) : String(first);
  throw new Error(`${reasons.length} unhandled promise rejection(s) during this test; the first: ${text}`);
});
