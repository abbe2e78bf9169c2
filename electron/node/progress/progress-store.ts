import { readFile, rename, stat } from 'node:fs/promises';
import type { EventSink } from '../../common/api/contract.ts';
import {
  ProgressStateSchema,
  type CheckResult,
  type LabProgress,
  type ProgressState,
  type StepProgress,
} from '../../common/api/labs.ts';
import { LabdeckError } from '../../common/errors.ts';
import { writeFileDurably } from '../durable-file.ts';
import type { EvidenceJournal, JournalAppend } from './evidence-journal.ts';

/**
 * What the store needs to know about the course: which checks make each step (context checks left out:
 * they are shown, but they are not the attendee's work), and how many hints it has.
 */
export interface ProgressCourse {
  courseId: string;
  labs: ReadonlyArray<{ id: string; steps: ReadonlyArray<{ id: string; checkIds: readonly string[]; hintCount: number }> }>;
}

/** The part of LabCatalog the store reads; kept structural so tests can hand in a small course. */
export interface ProgressCatalogSource {
  labs(): ReadonlyArray<{ file: { id: string; steps: ReadonlyArray<{ id: string; checks: ReadonlyArray<{ id: string; context?: boolean }>; hints: readonly unknown[] }> } }>;
  courseId?: string;
}

export interface ProgressStoreOptions {
  /** The JSON file progress lives in; written atomically (temp file + rename). */
  file: string;
  catalog: ProgressCatalogSource | ProgressCourse;
  events: EventSink;
  /** How long writes are coalesced before hitting the disk. */
  saveDelayMs?: number;
  /**
   * Gaps between two signs of activity longer than this are treated as a break and not counted as
   * time spent on the lab (a laptop left open over lunch must not show three hours).
   */
  idleAfterMs?: number;
  now?: () => number;
  /** The evidence journal: steps and labs opened, hints shown and solutions revealed are appended to it. */
  journal?: EvidenceJournal;
  /** Called before every save: throws when this process no longer holds the data folder (data-folder-lock.ts). */
  beforeWrite?: () => Promise<void>;
}

const DEFAULT_COURSE_ID = 'k8s-networking';

function courseFrom(catalog: ProgressCatalogSource | ProgressCourse): ProgressCourse {
  if (!('labs' in catalog) || typeof catalog.labs !== 'function') return catalog as ProgressCourse;
  const source = catalog as ProgressCatalogSource;
  return {
    courseId: source.courseId ?? DEFAULT_COURSE_ID,
    labs: source.labs().map(({ file }) => ({
      id: file.id,
      steps: file.steps.map((step) => ({ id: step.id, checkIds: step.checks.filter((check) => check.context !== true).map((check) => check.id), hintCount: step.hints.length })),
    })),
  };
}

function emptyState(courseId: string): ProgressState {
  return { courseId, labs: {} };
}

function emptyStep(): StepProgress {
  return { status: 'todo', hintsRevealed: 0, solutionViewed: false };
}

/**
 * The attendee's progress: steps passed, hints used, solutions opened, time spent. Check results stream in
 * through observe(); a step is done once every one of its checks has passed. Every change is saved (debounced,
 * atomically) and announced as progress.changed so all open windows agree.
 */
export class ProgressStore {
  readonly #file: string;
  readonly #course: ProgressCourse;
  readonly #events: EventSink;
  readonly #saveDelayMs: number;
  readonly #idleAfterMs: number;
  readonly #now: () => number;
  #state: ProgressState;
  /** Latest passing state of every check, keyed lab/step/check; only in memory, rebuilt from live results. */
  readonly #passing = new Map<string, boolean>();
  #lastActivity: { labId: string; at: number } | undefined;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #journal: EvidenceJournal | undefined;
  /** The step opened last in this run; a new run journals its first opening again. */
  #opened: { labId: string; stepId: string } | undefined;
  #journaling: Promise<unknown> = Promise.resolve();
  /** Set when the saved progress was damaged and recovered; shown to the attendee until a reset. */
  #notice: string | undefined;
  /** Set while the last save (or journal append) failed; cleared by the next one that succeeds. */
  #saveError: string | undefined;
  #journalError: string | undefined;
  readonly #beforeWrite: (() => Promise<void>) | undefined;

  private constructor(options: ProgressStoreOptions, course: ProgressCourse, state: ProgressState, notice?: string) {
    this.#file = options.file;
    this.#course = course;
    this.#events = options.events;
    this.#saveDelayMs = options.saveDelayMs ?? 300;
    this.#idleAfterMs = options.idleAfterMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
    this.#state = state;
    this.#journal = options.journal;
    this.#beforeWrite = options.beforeWrite;
    this.#notice = notice;
  }

  static async open(options: ProgressStoreOptions): Promise<ProgressStore> {
    const course = courseFrom(options.catalog);
    const { state, notice } = await readState(options.file, course.courseId);
    if (notice) console.warn(`Labdeck: ${notice}`);
    return new ProgressStore(options, course, state, notice);
  }

  get(): ProgressState {
    const state = structuredClone(this.#state);
    // The notices travel with the state to every window, but are never saved.
    const saveError = this.#saveError ?? this.#journalError;
    return { ...state, ...(this.#notice ? { notice: this.#notice } : {}), ...(saveError ? { saveError } : {}) };
  }

  /** The attendee opened a step: it becomes the one a reopened window returns to. */
  activate(labId: string, stepId: string, openedAt: Date = new Date(this.#now())): ProgressState {
    this.#requireStep(labId, stepId);
    const time = openedAt.toISOString();
    if (this.#opened?.labId !== labId) this.#journalEntry({ type: 'lab-opened', labId, time });
    if (this.#opened?.labId !== labId || this.#opened.stepId !== stepId) this.#journalEntry({ type: 'step-opened', labId, stepId, time });
    this.#opened = { labId, stepId };
    if (this.#touch(labId, stepId)) this.#changed();
    return this.get();
  }

  /**
   * Feeds one check verdict in; marks the step done when all of its checks pass. The engine evaluates every
   * step of an open lab, so a verdict says nothing about where the attendee is: only a verdict on the step
   * they have open counts as time spent, and none moves the active step.
   */
  observe(result: CheckResult): void {
    const step = this.#courseStep(result.labId, result.stepId);
    if (!step) return;
    this.#passing.set(checkKey(result.labId, result.stepId, result.checkId), result.status === 'passed');
    const onActiveStep = this.#state.active?.labId === result.labId && this.#state.active.stepId === result.stepId;
    let changed = onActiveStep ? this.#touch(result.labId, result.stepId) : false;

    const lab = this.#labProgress(result.labId);
    const stepProgress = this.#stepProgress(lab, result.stepId);
    // A step made only of context checks is not something the attendee did (lint reports such a step).
    const allPassed = step.checkIds.length > 0 && step.checkIds.every((checkId) => this.#passing.get(checkKey(result.labId, result.stepId, checkId)) === true);
    if (allPassed && stepProgress.status !== 'done') {
      stepProgress.status = 'done';
      stepProgress.passedAt = new Date(this.#now()).toISOString();
      changed = true;
      const courseLab = this.#course.labs.find((l) => l.id === result.labId);
      if (courseLab && !lab.completedAt && courseLab.steps.every((s) => lab.steps[s.id]?.status === 'done')) {
        lab.completedAt = stepProgress.passedAt;
      }
    }
    if (changed) this.#changed();
  }

  revealHint(labId: string, stepId: string): ProgressState {
    const step = this.#requireStep(labId, stepId);
    this.#touch(labId, stepId);
    const progress = this.#stepProgress(this.#labProgress(labId), stepId);
    const before = progress.hintsRevealed;
    progress.hintsRevealed = Math.min(step.hintCount, progress.hintsRevealed + 1);
    // A hint is journaled once, when it is first shown; clicking on past the last hint shows nothing new.
    if (progress.hintsRevealed > before) this.#journalEntry({ type: 'hint-shown', labId, stepId, evidence: { hintsRevealed: progress.hintsRevealed } });
    this.#changed();
    return this.get();
  }

  viewSolution(labId: string, stepId: string): ProgressState {
    this.#requireStep(labId, stepId);
    this.#touch(labId, stepId);
    this.#stepProgress(this.#labProgress(labId), stepId).solutionViewed = true;
    this.#journalEntry({ type: 'solution-revealed', labId, stepId });
    this.#changed();
    return this.get();
  }

  /** Forgets one lab (or all); live verdicts are forgotten too so the steps are earned again. */
  reset(labId?: string): ProgressState {
    this.#notice = undefined;
    if (labId === undefined) {
      this.#state = emptyState(this.#course.courseId);
      this.#passing.clear();
      this.#lastActivity = undefined;
    } else {
      if (!this.#course.labs.some((l) => l.id === labId)) throw unknownLab(labId);
      delete this.#state.labs[labId];
      for (const key of [...this.#passing.keys()]) if (key.startsWith(`${labId}/`)) this.#passing.delete(key);
      if (this.#state.active?.labId === labId) delete this.#state.active;
      if (this.#lastActivity?.labId === labId) this.#lastActivity = undefined;
    }
    this.#changed();
    return this.get();
  }

  /** Resolves once every journal entry asked for so far is on disk. */
  journaled(): Promise<void> {
    return this.#journaling.then(() => undefined);
  }

  /** Writes any pending change now; call before the process exits. */
  async flush(): Promise<void> {
    await this.journaled();
    if (this.#saveTimer !== undefined) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = undefined;
      this.#queueWrite();
    }
    await this.#writing;
  }

  /** Appends in call order (the journal queues); a failure is logged, the attendee's work goes on. */
  #journalEntry(entry: JournalAppend): void {
    if (!this.#journal) return;
    const appended = this.#journal.append(entry).then(
      () => this.#setJournalError(undefined),
      (error: unknown) => {
        console.error(`Labdeck could not journal ${entry.type} of ${entry.labId}${entry.stepId ? `/${entry.stepId}` : ''}: ${(error as Error).message}`);
        this.#setJournalError(`Your progress is not being saved: Labdeck cannot write its record of your work (${describeWriteError(error)}). Free some disk space or check the data folder's permissions; it is saved again as soon as that works.`);
      },
    );
    this.#journaling = Promise.all([this.#journaling, appended]);
  }

  #changed(): void {
    this.#events.emit('progress.changed', this.get());
    if (this.#saveTimer !== undefined) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      this.#queueWrite();
    }, this.#saveDelayMs);
  }

  #queueWrite(): void {
    const snapshot = JSON.stringify(this.#state, null, 2);
    // Writes are chained so an older snapshot can never land after a newer one.
    this.#writing = this.#writing
      .then(() => this.#beforeWrite?.())
      .then(() => writeFileDurably(this.#file, snapshot, { previousCopy: lastGoodCopy(this.#file) }))
      .then(
        () => this.#setSaveError(undefined),
        (error: unknown) => {
          console.error(`Labdeck could not save progress to ${this.#file}:`, error);
          // Said to the attendee (issue 21): work done now would be lost with the next restart.
          this.#setSaveError(`Your progress was not saved: Labdeck cannot write ${this.#file} (${describeWriteError(error)}). Free some disk space or check the folder's permissions; it is saved again at your next step.`);
        },
      );
  }

  #setSaveError(message: string | undefined): void {
    if (this.#saveError === message) return;
    this.#saveError = message;
    this.#events.emit('progress.changed', this.get());
  }

  #setJournalError(message: string | undefined): void {
    if (this.#journalError === message) return;
    this.#journalError = message;
    this.#events.emit('progress.changed', this.get());
  }

  /** Records activity on a step: counts time spent on the lab and remembers the active step. */
  #touch(labId: string, stepId: string): boolean {
    const now = this.#now();
    const lab = this.#labProgress(labId);
    let changed = false;
    if (!lab.startedAt) {
      lab.startedAt = new Date(now).toISOString();
      changed = true;
    }
    if (this.#lastActivity?.labId === labId) {
      const gap = now - this.#lastActivity.at;
      if (gap > 0 && gap <= this.#idleAfterMs) {
        lab.activeMs += gap;
        changed = true;
      }
    }
    this.#lastActivity = { labId, at: now };
    if (this.#state.active?.labId !== labId || this.#state.active.stepId !== stepId) {
      this.#state.active = { labId, stepId };
      changed = true;
    }
    return changed;
  }

  #labProgress(labId: string): LabProgress {
    const existing = this.#state.labs[labId];
    if (existing) return existing;
    const created: LabProgress = { activeMs: 0, steps: {} };
    this.#state.labs[labId] = created;
    return created;
  }

  #stepProgress(lab: LabProgress, stepId: string): StepProgress {
    const existing = lab.steps[stepId];
    if (existing) return existing;
    const created = emptyStep();
    lab.steps[stepId] = created;
    return created;
  }

  #courseStep(labId: string, stepId: string) {
    return this.#course.labs.find((l) => l.id === labId)?.steps.find((s) => s.id === stepId);
  }

  #requireStep(labId: string, stepId: string) {
    const lab = this.#course.labs.find((l) => l.id === labId);
    if (!lab) throw unknownLab(labId);
    const step = lab.steps.find((s) => s.id === stepId);
    if (!step) {
      throw new LabdeckError('not-found', `Lab ${labId} has no step "${stepId}".`, { action: 'Reload the lab list; the course may have been updated.' });
    }
    return step;
  }
}

function checkKey(labId: string, stepId: string, checkId: string): string {
  return `${labId}/${stepId}/${checkId}`;
}

function unknownLab(labId: string): LabdeckError {
  return new LabdeckError('not-found', `There is no lab ${labId} in this course.`, { action: 'Pick a lab from the lab list.' });
}

/** "disk full (ENOSPC)", "permission denied (EACCES)", or the error's own first line. */
function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, string> = { ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is used up', EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'the file system is read-only', ENOTDIR: 'a file is in the way of its folder', EEXIST: 'a file is in the way of its folder' };
  if (code && known[code]) return `${known[code]}, ${code}`;
  return ((error as Error).message ?? String(error)).split('\n')[0] ?? 'unknown error';
}

/** The previous good save, kept next to the progress file to recover from when that one is damaged. */
export function lastGoodCopy(file: string): string {
  return `${file}.last-good`;
}

type Loaded = { kind: 'missing' } | { kind: 'ok'; state: ProgressState } | { kind: 'other-course' | 'unreadable' };

async function loadFile(file: string, courseId: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw new LabdeckError('internal', `Labdeck could not read saved progress from ${file}.`, {
      action: 'Check that the file is readable by your user.',
      cause: error,
    });
  }
  try {
    const result = ProgressStateSchema.safeParse(JSON.parse(text));
    if (!result.success) return { kind: 'unreadable' };
    if (result.data.courseId !== courseId) return { kind: 'other-course' };
    const { notice: _notice, ...state } = result.data;
    return { kind: 'ok', state };
  } catch {
    return { kind: 'unreadable' };
  }
}

async function readState(file: string, courseId: string): Promise<{ state: ProgressState; notice?: string }> {
  const current = await loadFile(file, courseId);
  if (current.kind === 'ok') return { state: current.state };
  const backup = await loadFile(lastGoodCopy(file), courseId);
  if (current.kind === 'missing') {
    // Killed between the two renames of a save: the last good copy is the latest progress there is.
    return { state: backup.kind === 'ok' ? backup.state : emptyState(courseId) };
  }
  // Keep what we could not use instead of overwriting it: an instructor may want to look at it.
  const aside = `${file}.${current.kind}-${Date.now()}`;
  await rename(file, aside).catch(() => undefined);
  if (current.kind === 'other-course') return { state: emptyState(courseId), notice: `Saved progress belonged to another course; it was kept as ${aside}.` };
  if (backup.kind === 'ok') {
    const savedAt = await stat(lastGoodCopy(file)).then((info) => info.mtime.toLocaleString(), () => 'earlier');
    return {
      state: backup.state,
      notice: `Your saved progress was damaged, so Labdeck restored the copy saved ${savedAt}; a step or hint from the last moments before may be missing. The damaged file was kept as ${aside}.`,
    };
  }
  return { state: emptyState(courseId), notice: `Your saved progress was damaged and no good copy was left, so progress starts over. The damaged file was kept as ${aside}.` };
}
