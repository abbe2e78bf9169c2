import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeApiTestDouble, type KubeApiTestDouble } from '../../../e2e/support/kube-api-test-double.ts';
import { EvidenceJournal, readJournal } from '../progress/evidence-journal.ts';
import { createProgressHandlers } from '../progress/progress-handlers.ts';
import { ProgressStore } from '../progress/progress-store.ts';
import { CheckEngine } from './check-engine.ts';
import { createCheckHandlers } from './check-handlers.ts';
import { FakeClusterAccess, FakeCommandLog, FakeContainers, waitUntil, writeCourse } from './engine-fixtures.test-support.ts';
import { gradeLabFromJournal } from './journal-grade.ts';

/**
 * The whole evidence path as the backend wires it: labs.activate through the handlers (progress journals
 * the opening, then the engine judges), the attendee's commands and objects, the journal on disk, and a
 * grade read back from it.
 */

const lab = {
  id: '9.1',
  slug: 'flow',
  title: 'Flow lab',
  summary: 'Evidence from opening to grade.',
  objectives: ['Grade from the journal'],
  durationMinutes: 5,
  steps: [
    {
      id: 'create',
      title: 'Create the pod',
      checks: [
        { id: 'web-runs', title: 'Pod web runs', kind: 'resource' as const, select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' }, assert: [{ that: 'object.status.phase == "Running"', message: 'web is {{object.status.phase}}' }] },
        { id: 'ran-apply', title: 'You applied web.yaml', kind: 'command' as const, mode: 'once' as const, pattern: '^kubectl apply -f web\\.yaml', exitCode: 0 },
        { id: 'default-ns', title: 'Namespace default', kind: 'resource' as const, context: true, select: { apiVersion: 'v1', kind: 'Namespace', name: 'default' }, assert: [{ that: 'true', message: 'x' }] },
      ],
    },
    {
      id: 'delete',
      title: 'Delete the pod',
      checks: [
        { id: 'web-gone', title: 'Pod web is gone', kind: 'resource' as const, absent: true, select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' } },
        { id: 'ran-delete', title: 'You deleted web', kind: 'command' as const, mode: 'once' as const, pattern: '^kubectl delete', exitCode: 0 },
      ],
    },
  ],
};

const web = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'nginx' }] }, status: { phase: 'Running' } };

let double: KubeApiTestDouble;
const cleanup: Array<() => Promise<void>> = [];

beforeEach(async () => {
  double = await startKubeApiTestDouble({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }] });
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await double.stop();
});

async function backend() {
  const { dir, catalog } = await writeCourse(lab);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'labdeck-flow-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }), () => rm(dataDir, { recursive: true, force: true }));
  const file = path.join(dataDir, 'evidence', 'engine-test.jsonl');
  const journal = await EvidenceJournal.open(file, { courseId: catalog.courseId, courseVersion: '1.0.0' });
  const events = { emit: () => undefined };
  const progress = await ProgressStore.open({ file: path.join(dataDir, 'progress.json'), catalog, events, journal, saveDelayMs: 5 });
  const commands = new FakeCommandLog();
  const engine = new CheckEngine({
    catalog,
    cluster: new FakeClusterAccess(double.kubeconfigPath),
    containers: new FakeContainers(),
    commandLog: commands,
    events,
    onResult: (result) => progress.observe(result),
    journal,
    debounceMs: 30,
  });
  cleanup.push(async () => {
    await engine.dispose();
    await progress.flush();
  });
  const handlers = { ...createCheckHandlers(engine, (labId, stepId) => progress.activate(labId, stepId)), ...createProgressHandlers(progress, { onReset: (labId) => engine.forget(labId) }) };
  const client = { clientId: 'test' };
  return { catalog, file, progress, commands, open: (stepId: string) => handlers['labs.activate']({ labId: '9.1', stepId }, client) };
}

describe('evidence from opening a step to a grade', () => {
  it('journals the attendee doing each step in order, and grades every step complete from the file', async () => {
    const { catalog, file, progress, commands, open } = await backend();
    await open('create');
    commands.ran('kubectl apply -f web.yaml');
    await double.upsert(web);
    await waitUntil(() => progress.get().labs['9.1']?.steps['create']?.status === 'done', 'step create to be done');
    await open('delete');
    commands.ran('kubectl delete pod web');
    await double.remove({ kind: 'Pod', namespace: 'default', name: 'web' });
    await waitUntil(() => progress.get().labs['9.1']?.steps['delete']?.status === 'done', 'step delete to be done');
    await progress.journaled();

    const entries = await readJournal(file);
    const order = entries.map((entry) => `${entry.type} ${entry.stepId ?? ''}${entry.checkId ? `/${entry.checkId}` : ''}`);
    expect(order.slice(0, 2)).toEqual(['lab-opened ', 'step-opened create']);
    expect(order.indexOf('step-opened delete')).toBeLessThan(order.indexOf('check-passed delete/web-gone'));
    expect(order).toContain('check-regressed create/web-runs');
    expect(order.some((line) => line.includes('default-ns'))).toBe(false);

    const grade = gradeLabFromJournal(catalog.requireLab('9.1'), entries);
    expect(grade.summary).toEqual({ complete: 2, total: 2 });
    expect(grade.steps[0]?.checks.find((check) => check.id === 'ran-apply')?.evidence).toMatchObject({ matched: { command: 'kubectl apply -f web.yaml', exitCode: 0 } });
  });

  it('leaves a skipped step open: its "is gone" check needs the object to have existed', async () => {
    const { catalog, file, progress, commands, open } = await backend();
    await open('create');
    await open('delete');
    commands.ran('kubectl delete pod web', 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(progress.get().labs['9.1']?.steps['delete']?.status ?? 'todo').toBe('todo');
    await progress.journaled();
    const grade = gradeLabFromJournal(catalog.requireLab('9.1'), await readJournal(file));
    expect(grade.steps.map((step) => step.status)).toEqual(['incomplete', 'incomplete']);
  });
});
