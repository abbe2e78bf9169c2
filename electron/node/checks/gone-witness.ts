import type { CheckResult } from '../../common/api/labs.ts';
import type { CheckWorld } from './check-world.ts';
import { deletesSelection } from './delete-witness.ts';
import { toResult } from './evaluate-check.ts';
import type { TrackedCheck } from './tracked-checks.ts';
import { describeSelection } from './verdict.ts';

/**
 * Witnesses for "is gone" checks: nothing matching is also what a cluster looks like when the attendee never
 * created the object. So one passes only once its object was seen while its step was judged (and then
 * disappeared), or after a successful `kubectl delete` of it, or when the journal already holds the pass.
 * What Labdeck's own Clean up deletes is no witness: the attendee did not delete it.
 */
export class GoneWitness {
  /** "Is gone" checks whose object was seen while their step was judged (lab/step/check keys). */
  readonly #seenPresent = new Set<string>();
  /** Cleanups running: objects seen now are about to be deleted by Labdeck, not by the attendee. */
  #cleaning = 0;
  readonly #standingPass: (tracked: TrackedCheck) => boolean;

  constructor(standingPass: (tracked: TrackedCheck) => boolean) {
    this.#standingPass = standingPass;
  }

  /** A progress reset: what was seen of a lab (or of every lab) no longer counts. */
  forget(labId?: string): void {
    for (const key of [...this.#seenPresent]) if (labId === undefined || key.startsWith(`${labId}/`)) this.#seenPresent.delete(key);
  }

  /** Runs Labdeck's own deletion of objects of these kinds; the checks of those kinds must be witnessed anew. */
  async cleaningUp<T>(kinds: ReadonlySet<string>, tracked: Iterable<TrackedCheck>, remove: () => Promise<T>): Promise<T> {
    for (const entry of tracked) {
      if (entry.needsWitness && entry.check.kind === 'resource' && kinds.has(entry.check.select.kind)) this.#seenPresent.delete(entry.key);
    }
    this.#cleaning += 1;
    try {
      return await remove();
    } finally {
      this.#cleaning -= 1;
    }
  }

  /** The verdict of an "is gone" check with its witness; other checks' verdicts pass through unchanged. */
  async judge(tracked: TrackedCheck, world: CheckWorld, result: CheckResult): Promise<CheckResult> {
    const { check } = tracked;
    if (check.kind !== 'resource' || !tracked.needsWitness) return result;
    if (result.status === 'failed' && Array.isArray(result.evidence) && result.evidence.length > 0 && this.#cleaning === 0) this.#seenPresent.add(tracked.key);
    if (result.status !== 'passed' || this.#seenPresent.has(tracked.key)) return result;
    if (this.#standingPass(tracked)) return result;
    const records = await world.commandRecords().catch(() => null);
    const deleted = records?.findLast((record) => deletesSelection(record, check.select));
    if (deleted) return { ...result, evidence: { deletedBy: { command: deleted.command, exitCode: deleted.exitCode, time: deleted.time } } };
    const what = describeSelection(check.select);
    return toResult(
      check,
      { status: 'failed', message: `${what} does not exist, and it has not existed while this step was open: create it as the earlier step says, then delete it here` },
      { labId: tracked.labId, stepId: tracked.stepId, hints: tracked.hints },
    );
  }
}
