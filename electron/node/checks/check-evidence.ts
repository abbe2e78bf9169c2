import type { CheckResult } from '../../common/api/labs.ts';
import type { EvidenceJournal, JournalEntry } from '../progress/evidence-journal.ts';

/**
 * The engine's side of the evidence journal: when each step and lab was first opened, and which checks the
 * journal last recorded as passed. A non-context check's first pass is journaled, and so is a regression of
 * a check that had passed (and its next pass after that); nothing else, so the journal reads as "what the
 * attendee achieved, when, with what evidence".
 */
const RESET_SLACK_MS = 1000;

export class CheckEvidence {
  readonly #journal: EvidenceJournal | undefined;
  readonly #labOpened = new Map<string, Date>();
  readonly #stepOpened = new Map<string, Date>();
  /** Last journaled state per lab/step/check, and the entry of its latest pass. */
  readonly #state = new Map<string, { passed: boolean; lastPass?: JournalEntry }>();

  /**
   * `startedAt(labId)`: when the attendee's current progress in a lab began (progress.json). Journal entries
   * from before it belong to progress they reset, so they do not count again after a restart.
   */
  constructor(journal: EvidenceJournal | undefined, startedAt: (labId: string) => string | undefined = () => undefined) {
    this.#journal = journal;
    for (const entry of journal?.entries() ?? []) {
      const started = startedAt(entry.labId);
      // A second of slack: progress stamps the start just before the journal stamps the opening.
      if (started !== undefined && Date.parse(entry.time) < Date.parse(started) - RESET_SLACK_MS) continue;
      this.#replay(entry);
    }
  }

  #replay(entry: JournalEntry): void {
    const at = new Date(entry.time);
    if (entry.type === 'lab-opened' && !this.#labOpened.has(entry.labId)) this.#labOpened.set(entry.labId, at);
    if (entry.type === 'step-opened' && entry.stepId !== undefined) {
      const key = `${entry.labId}/${entry.stepId}`;
      if (!this.#stepOpened.has(key)) this.#stepOpened.set(key, at);
      // A step is opened within its lab; an older journal without lab-opened still scopes lab commands.
      if (!this.#labOpened.has(entry.labId)) this.#labOpened.set(entry.labId, at);
    }
    if ((entry.type === 'check-passed' || entry.type === 'check-regressed') && entry.stepId !== undefined && entry.checkId !== undefined) {
      const key = `${entry.labId}/${entry.stepId}/${entry.checkId}`;
      this.#state.set(key, entry.type === 'check-passed' ? { passed: true, lastPass: entry } : { passed: false });
    }
  }

  /** The attendee opened a step; the first opening is the one evidence is counted from. */
  opened(labId: string, stepId: string, at: Date = new Date()): void {
    if (!this.#labOpened.has(labId)) this.#labOpened.set(labId, at);
    const key = `${labId}/${stepId}`;
    if (!this.#stepOpened.has(key)) this.#stepOpened.set(key, at);
  }

  /** Every time a lab became the open one (first openings from the journal, then this session's switches). */
  readonly #activations: Array<{ labId: string; at: number }> = [];

  /** The attendee switched to a lab (or reopened it): commands from now on belong to it. */
  activated(labId: string, at: Date = new Date()): void {
    if (this.#activations.length === 0) for (const [id, opened] of this.#labOpened) this.#activations.push({ labId: id, at: opened.getTime() });
    this.#activations.push({ labId, at: at.getTime() });
    this.#activations.sort((a, b) => a.at - b.at);
  }

  /** The lab that was open at a moment (ms), or undefined before any lab was opened. */
  labOpenAt(time: number): string | undefined {
    const activations = this.#activations.length > 0 ? this.#activations : [...this.#labOpened].map(([labId, opened]) => ({ labId, at: opened.getTime() })).sort((a, b) => a.at - b.at);
    let open: string | undefined;
    for (const activation of activations) {
      if (activation.at > time) break;
      open = activation.labId;
    }
    return open;
  }

  labOpenedAt(labId: string): Date | undefined {
    return this.#labOpened.get(labId);
  }

  stepOpenedAt(labId: string, stepId: string): Date | undefined {
    return this.#stepOpened.get(`${labId}/${stepId}`);
  }

  /** The journal's latest pass of a check that has not regressed since (restores once-mode checks). */
  standingPass(labId: string, stepId: string, checkId: string): JournalEntry | undefined {
    const state = this.#state.get(`${labId}/${stepId}/${checkId}`);
    return state?.passed ? state.lastPass : undefined;
  }

  /**
   * Journals a verdict when it changes what the journal says: a pass not yet recorded, or a failure of a
   * check whose pass is on record. Resolves once the entry is on disk (write-ahead: call before showing it).
   * Waiting and error verdicts say nothing about the attendee's work and are not journaled.
   */
  async record(result: CheckResult): Promise<void> {
    const key = `${result.labId}/${result.stepId}/${result.checkId}`;
    const state = this.#state.get(key);
    const base = { labId: result.labId, stepId: result.stepId, checkId: result.checkId, time: result.at };
    if (result.status === 'passed' && !state?.passed) {
      const pending = { passed: true };
      this.#state.set(key, pending);
      const entry = await this.#append({ type: 'check-passed', ...base, evidence: result.evidence ?? { message: result.message } });
      if (this.#state.get(key) !== pending) return;
      if (entry) this.#state.set(key, { passed: true, lastPass: entry });
      // Not on disk: forget it, so the next evaluation of this check tries to journal it again.
      else if (this.#journal) this.#state.delete(key);
    } else if (result.status === 'failed' && state?.passed) {
      this.#state.set(key, { passed: false });
      await this.#append({ type: 'check-regressed', ...base, evidence: { message: result.message, ...(result.evidence === undefined ? {} : { observed: result.evidence }) } });
    }
  }

  /** Forgets a lab (or everything) after a progress reset: its steps are opened and earned again. */
  forget(labId?: string): void {
    for (const map of [this.#labOpened, this.#stepOpened, this.#state] as Array<Map<string, unknown>>) {
      for (const key of [...map.keys()]) if (labId === undefined || key === labId || key.startsWith(`${labId}/`)) map.delete(key);
    }
  }

  async #append(entry: Parameters<EvidenceJournal['append']>[0]): Promise<JournalEntry | undefined> {
    if (!this.#journal) return undefined;
    try {
      return await this.#journal.append(entry);
    } catch (error) {
      // The badge still turns green; the journal says why it could not keep up.
      console.error(`Labdeck could not journal ${entry.type} of ${entry.labId}/${entry.stepId}/${entry.checkId}: ${(error as Error).message}`);
      return undefined;
    }
  }
}
