import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventName, EventPayload, EventSink } from '../../common/api/contract.ts';
import type { CheckResult, ProgressState } from '../../common/api/labs.ts';
import { LabdeckError } from '../../common/errors.ts';
import { EvidenceJournal, readJournal } from './evidence-journal.ts';
import { createProgressHandlers } from './progress-handlers.ts';
import { lastGoodCopy, ProgressStore, type ProgressCourse } from './progress-store.ts';

const course: ProgressCourse = {
  courseId: 'test-course',
  labs: [
    {
      id: '1.2',
      steps: [
        { id: 'create-pod', checkIds: ['pod-exists', 'pod-image'], hintCount: 2 },
        { id: 'delete-pod', checkIds: ['pod-gone'], hintCount: 1 },
      ],
    },
    { id: '1.3', steps: [{ id: 'deploy', checkIds: ['deployment-ready'], hintCount: 0 }] },
  ],
};

class RecordingSink implements EventSink {
  readonly changes: ProgressState[] = [];
  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    if (name === 'progress.changed') this.changes.push(payload as ProgressState);
  }
}

function result(stepId: string, checkId: string, status: CheckResult['status'], labId = '1.2'): CheckResult {
  return { labId, stepId, checkId, kind: 'resource', status, message: status, at: new Date().toISOString() };
}

let dir: string;
let file: string;
let clock: number;
const now = () => clock;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-progress-'));
  file = path.join(dir, 'nested', 'progress.json');
  clock = Date.parse('2026-01-01T10:00:00Z');
});

/** Stores a test opened: their debounced saves must land before the folder is removed. */
const opened: ProgressStore[] = [];

afterEach(async () => {
  for (const store of opened.splice(0)) await store.flush();
  await rm(dir, { recursive: true, force: true });
});

async function open(events: EventSink = new RecordingSink()) {
  const store = await ProgressStore.open({ file, catalog: course, events, saveDelayMs: 5, now });
  opened.push(store);
  return store;
}

describe('ProgressStore', () => {
  it('marks a step done only once every one of its checks has passed', async () => {
    const events = new RecordingSink();
    const store = await open(events);

    store.observe(result('create-pod', 'pod-exists', 'passed'));
    expect(store.get().labs['1.2']?.steps['create-pod']?.status).toBe('todo');

    store.observe(result('create-pod', 'pod-image', 'failed'));
    expect(store.get().labs['1.2']?.steps['create-pod']?.status).toBe('todo');

    store.observe(result('create-pod', 'pod-image', 'passed'));
    const step = store.get().labs['1.2']?.steps['create-pod'];
    expect(step?.status).toBe('done');
    expect(step?.passedAt).toBe('2026-01-01T10:00:00.000Z');
    expect(events.changes.at(-1)?.labs['1.2']?.steps['create-pod']?.status).toBe('done');
    expect(store.get().labs['1.2']?.completedAt).toBeUndefined();
  });

  it('does not count a check that passed then failed again', async () => {
    const store = await open();
    store.observe(result('create-pod', 'pod-exists', 'passed'));
    store.observe(result('create-pod', 'pod-exists', 'failed'));
    store.observe(result('create-pod', 'pod-image', 'passed'));
    expect(store.get().labs['1.2']?.steps['create-pod']?.status).toBe('todo');
  });

  it('keeps a done step done and completes the lab when its last step passes', async () => {
    const store = await open();
    store.observe(result('create-pod', 'pod-exists', 'passed'));
    store.observe(result('create-pod', 'pod-image', 'passed'));
    store.observe(result('create-pod', 'pod-image', 'failed'));
    expect(store.get().labs['1.2']?.steps['create-pod']?.status).toBe('done');
    store.observe(result('delete-pod', 'pod-gone', 'passed'));
    expect(store.get().labs['1.2']?.completedAt).toBeDefined();
  });

  it('ignores verdicts for labs or steps the course does not have', async () => {
    const events = new RecordingSink();
    const store = await open(events);
    store.observe(result('nope', 'x', 'passed'));
    store.observe(result('create-pod', 'x', 'passed', '9.9'));
    expect(store.get().labs).toEqual({});
    expect(events.changes).toHaveLength(0);
  });

  it('restores steps, hints, solutions and time after a restart', async () => {
    const store = await open();
    store.activate('1.2', 'create-pod');
    store.observe(result('create-pod', 'pod-exists', 'passed'));
    clock += 60_000;
    store.observe(result('create-pod', 'pod-image', 'passed'));
    store.revealHint('1.2', 'delete-pod');
    store.viewSolution('1.2', 'delete-pod');
    await store.flush();

    const reopened = await open();
    const lab = reopened.get().labs['1.2'];
    expect(lab?.steps['create-pod']?.status).toBe('done');
    expect(lab?.steps['delete-pod']).toMatchObject({ status: 'todo', hintsRevealed: 1, solutionViewed: true });
    expect(lab?.activeMs).toBe(60_000);
    expect(reopened.get().active).toEqual({ labId: '1.2', stepId: 'delete-pod' });
  });

  it('remembers the step the attendee opened, not the step whose verdict came last', async () => {
    const store = await open();
    store.activate('1.2', 'create-pod');
    // The engine evaluates every step of the open lab; these verdicts arrive in any order.
    store.observe(result('delete-pod', 'pod-gone', 'failed'));
    store.observe(result('deploy', 'deployment-ready', 'failed', '1.3'));
    expect(store.get().active).toEqual({ labId: '1.2', stepId: 'create-pod' });
    store.activate('1.2', 'delete-pod');
    expect(store.get().active).toEqual({ labId: '1.2', stepId: 'delete-pod' });
  });

  it('counts time from verdicts on the open step only', async () => {
    const store = await open();
    store.activate('1.2', 'create-pod');
    clock += 60_000;
    store.observe(result('delete-pod', 'pod-gone', 'failed'));
    clock += 60_000;
    store.observe(result('create-pod', 'pod-exists', 'passed'));
    expect(store.get().labs['1.2']?.activeMs).toBe(2 * 60_000);
    expect(store.get().labs['1.3']).toBeUndefined();
  });

  it('saves by itself shortly after a change, leaving no temp files behind', async () => {
    const store = await open();
    store.revealHint('1.2', 'create-pod');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.flush();
    const saved = JSON.parse(await readFile(file, 'utf8')) as ProgressState;
    expect(saved.labs['1.2']?.steps['create-pod']?.hintsRevealed).toBe(1);
    expect((await readdir(path.dirname(file))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('does not count long breaks as time spent on a lab', async () => {
    const store = await open();
    store.revealHint('1.2', 'create-pod');
    clock += 2 * 60_000;
    store.revealHint('1.2', 'create-pod');
    clock += 3 * 60 * 60_000;
    store.viewSolution('1.2', 'create-pod');
    expect(store.get().labs['1.2']?.activeMs).toBe(2 * 60_000);
  });

  it('reveals hints one at a time, never more than the step has', async () => {
    const store = await open();
    expect(store.revealHint('1.2', 'create-pod').labs['1.2']?.steps['create-pod']?.hintsRevealed).toBe(1);
    expect(store.revealHint('1.2', 'create-pod').labs['1.2']?.steps['create-pod']?.hintsRevealed).toBe(2);
    expect(store.revealHint('1.2', 'create-pod').labs['1.2']?.steps['create-pod']?.hintsRevealed).toBe(2);
  });

  it('rejects unknown labs and steps with an error that says what to do', async () => {
    const store = await open();
    expect(() => store.revealHint('1.2', 'nope')).toThrow(LabdeckError);
    try {
      store.viewSolution('7.7', 'x');
    } catch (error) {
      expect(error).toBeInstanceOf(LabdeckError);
      expect((error as LabdeckError).code).toBe('not-found');
      expect((error as LabdeckError).action).toBeTruthy();
    }
  });

  it('resets one lab so its steps must be earned again', async () => {
    const store = await open();
    store.observe(result('deploy', 'deployment-ready', 'passed', '1.3'));
    store.observe(result('create-pod', 'pod-exists', 'passed'));
    store.reset('1.2');
    store.observe(result('create-pod', 'pod-image', 'passed'));
    expect(store.get().labs['1.2']?.steps['create-pod']?.status).toBe('todo');
    expect(store.get().labs['1.3']?.steps['deploy']?.status).toBe('done');
    expect(store.reset().labs).toEqual({});
  });

  it('sets an unreadable progress file aside instead of failing or overwriting it', async () => {
    const store = await open();
    store.revealHint('1.2', 'create-pod');
    await store.flush();
    await writeFile(file, '{ not json');
    const reopened = await open();
    expect(reopened.get().labs).toEqual({});
    const names = await readdir(path.dirname(file));
    expect(names.some((name) => name.startsWith('progress.json.unreadable-'))).toBe(true);
  });

  it('serves the progress.* calls', async () => {
    const store = await open();
    const handlers = createProgressHandlers(store);
    const context = { clientId: 'c1' };
    await handlers['progress.revealHint']({ labId: '1.2', stepId: 'create-pod' }, context);
    await handlers['progress.viewSolution']({ labId: '1.2', stepId: 'create-pod' }, context);
    const state = await handlers['progress.get']({}, context);
    expect(state.labs['1.2']?.steps['create-pod']).toMatchObject({ hintsRevealed: 1, solutionViewed: true });
    expect((await handlers['progress.reset']({ labId: '1.2' }, context)).labs['1.2']).toBeUndefined();
  });

  it('journals labs and steps opened, hints shown and solutions revealed, in order', async () => {
    const journalFile = path.join(dir, 'evidence', 'test-course.jsonl');
    const journal = await EvidenceJournal.open(journalFile, { courseId: 'test-course', courseVersion: '2.0.0' });
    const store = await ProgressStore.open({ file, catalog: course, events: new RecordingSink(), saveDelayMs: 5, now, journal });
    opened.push(store);
    store.activate('1.2', 'create-pod');
    store.activate('1.2', 'create-pod');
    store.revealHint('1.2', 'create-pod');
    store.activate('1.2', 'delete-pod');
    store.viewSolution('1.2', 'delete-pod');
    store.activate('1.3', 'deploy');
    await store.journaled();
    const entries = await readJournal(journalFile);
    expect(entries.map((entry) => `${entry.type} ${entry.labId}${entry.stepId ? `/${entry.stepId}` : ''}`)).toEqual([
      'lab-opened 1.2',
      'step-opened 1.2/create-pod',
      'hint-shown 1.2/create-pod',
      'step-opened 1.2/delete-pod',
      'solution-revealed 1.2/delete-pod',
      'lab-opened 1.3',
      'step-opened 1.3/deploy',
    ]);
    expect(entries.every((entry) => entry.courseVersion === '2.0.0')).toBe(true);
  });

  it('journals each hint once, however often the button is clicked (issue 20: 4,000 clicks are not 4,000 hints)', async () => {
    const journalFile = path.join(dir, 'evidence', 'test-course.jsonl');
    const journal = await EvidenceJournal.open(journalFile, { courseId: 'test-course', courseVersion: '2.0.0' });
    const store = await ProgressStore.open({ file, catalog: course, events: new RecordingSink(), saveDelayMs: 5, now, journal });
    opened.push(store);
    store.activate('1.2', 'create-pod');
    const hints = course.labs[0]?.steps[0]?.hintCount ?? 0;
    for (let click = 0; click < 4000; click++) store.revealHint('1.2', 'create-pod');
    await store.journaled();
    const shown = (await readJournal(journalFile)).filter((entry) => entry.type === 'hint-shown');
    expect(shown.map((entry) => entry.evidence)).toEqual(Array.from({ length: hints }, (_, index) => ({ hintsRevealed: index + 1 })));
    expect(store.get().labs['1.2']?.steps['create-pod']?.hintsRevealed).toBe(hints);
  });

  it('does not count context checks toward a step, and never completes a step made only of them', async () => {
    const catalog = {
      courseId: 'test-course',
      labs: () => [
        {
          file: {
            id: '1.6',
            steps: [
              { id: 'pod-ips', checks: [{ id: 'cni-annotation', context: true }, { id: 'ran-get-wide' }], hints: [] },
              { id: 'only-context', checks: [{ id: 'kube-dns-ip', context: true }], hints: [] },
            ],
          },
        },
      ],
    };
    const store = await ProgressStore.open({ file, catalog, events: new RecordingSink(), saveDelayMs: 5, now });
    opened.push(store);
    store.observe(result('pod-ips', 'cni-annotation', 'passed', '1.6'));
    expect(store.get().labs['1.6']?.steps['pod-ips']?.status ?? 'todo').toBe('todo');
    store.observe(result('pod-ips', 'ran-get-wide', 'passed', '1.6'));
    expect(store.get().labs['1.6']?.steps['pod-ips']?.status).toBe('done');
    store.observe(result('only-context', 'kube-dns-ip', 'passed', '1.6'));
    expect(store.get().labs['1.6']?.steps['only-context']?.status ?? 'todo').toBe('todo');
  });

  it('tells the check engine about a reset', async () => {
    const store = await open();
    const resets: Array<string | undefined> = [];
    const handlers = createProgressHandlers(store, { onReset: (labId) => void resets.push(labId) });
    await handlers['progress.reset']({ labId: '1.2' }, { clientId: 'c1' });
    await handlers['progress.reset']({}, { clientId: 'c1' });
    expect(resets).toEqual(['1.2', undefined]);
  });
});

describe('ProgressStore after a crash or a damaged file', () => {
  let crashDir: string;
  let crashFile: string;
  beforeEach(async () => {
    crashDir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-progress-crash-'));
    crashFile = path.join(crashDir, 'progress.json');
  });
  afterEach(async () => {
    await rm(crashDir, { recursive: true, force: true });
  });

  async function saveTwice(): Promise<void> {
    const store = await ProgressStore.open({ file: crashFile, catalog: course, events: new RecordingSink(), saveDelayMs: 0 });
    store.activate('1.2', 'create-pod');
    store.revealHint('1.2', 'create-pod');
    await store.flush();
    store.revealHint('1.2', 'create-pod');
    await store.flush();
  }

  it('keeps the previous save as the last good copy', async () => {
    await saveTwice();
    const current = JSON.parse(await readFile(crashFile, 'utf8')) as ProgressState;
    const previous = JSON.parse(await readFile(lastGoodCopy(crashFile), 'utf8')) as ProgressState;
    expect(current.labs['1.2']?.steps['create-pod']?.hintsRevealed).toBe(2);
    expect(previous.labs['1.2']?.steps['create-pod']?.hintsRevealed).toBe(1);
  });

  it('sets a damaged file aside, restores the last good copy and tells the attendee, until a reset', async () => {
    await saveTwice();
    await writeFile(crashFile, '{"courseId": "test-course", "labs": {"1.2": ');
    const store = await ProgressStore.open({ file: crashFile, catalog: course, events: new RecordingSink(), saveDelayMs: 0 });
    const state = store.get();
    expect(state.labs['1.2']?.steps['create-pod']?.hintsRevealed).toBe(1);
    expect(state.notice).toMatch(/damaged.*restored/);
    const names = await readdir(crashDir);
    const aside = names.find((name) => name.startsWith('progress.json.unreadable-'));
    expect(aside).toBeDefined();
    expect(await readFile(path.join(crashDir, aside!), 'utf8')).toContain('"labs": {"1.2": ');
    // The notice is shown, never saved.
    store.revealHint('1.2', 'create-pod');
    await store.flush();
    expect(await readFile(crashFile, 'utf8')).not.toContain('notice');
    expect(store.reset('1.2').notice).toBeUndefined();
    await store.flush();
  });

  it('takes the last good copy silently when a save was killed between its renames', async () => {
    await saveTwice();
    await rm(crashFile);
    const store = await ProgressStore.open({ file: crashFile, catalog: course, events: new RecordingSink() });
    expect(store.get().labs['1.2']?.steps['create-pod']?.hintsRevealed).toBe(1);
    expect(store.get().notice).toBeUndefined();
  });

  it('always reopens a complete save after the writer is killed with SIGKILL mid-save', async () => {
    const writer = path.join(path.dirname(fileURLToPath(import.meta.url)), 'progress-store.kill-writer.test-support.ts');
    for (const after of [5, 23, 61]) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, crashFile], { stdio: ['ignore', 'pipe', 'inherit'] });
      let saves = 0;
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          saves += chunk.toString().split('\n').length - 1;
          if (saves >= after && !child.killed) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', (code) => (saves < after ? reject(new Error(`the writer exited early (${code})`)) : undefined));
      });
      await new Promise((resolve) => child.on('close', resolve));
      const store = await ProgressStore.open({ file: crashFile, catalog: { courseId: 'test-course', labs: [] }, events: new RecordingSink() });
      // Either the last save or the one before it, never a damaged file and never nothing.
      expect(store.get().notice).toBeUndefined();
      expect(Object.keys(store.get().labs).length).toBeGreaterThan(0);
    }
  }, 60_000);

  it('starts over with a notice when both files are damaged', async () => {
    await writeFile(crashFile, 'not json');
    await writeFile(lastGoodCopy(crashFile), 'not json either');
    const store = await ProgressStore.open({ file: crashFile, catalog: course, events: new RecordingSink() });
    expect(store.get().labs).toEqual({});
    expect(store.get().notice).toMatch(/no good copy/);
  });
});
