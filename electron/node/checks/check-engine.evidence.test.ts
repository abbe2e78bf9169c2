import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../common/api/labs.ts';
import { CheckEngine } from './check-engine.ts';
import { EvidenceJournal } from '../progress/evidence-journal.ts';
import { FakeClusterAccess, FakeCommandLog, FakeContainers, waitUntil, writeCourse } from './engine-fixtures.test-support.ts';
import { deployment, engineHarness, lab, laterLab, pod, service } from './check-engine.test-support.ts';

// Evidence scope: which commands and objects count for which step, the journal, resets and restarts.
const h = engineHarness();
const { startEngine, latest, settle } = h;

describe('evidence is scoped to the step the attendee opened', () => {
  const result = (checkId: string, labId = '9.1') => h.engine?.results(labId).find((candidate) => candidate.checkId === checkId && candidate.labId === labId);
  let journalDir: string;

  beforeEach(async () => {
    journalDir = await mkdtemp(path.join(tmpdir(), 'labdeck-engine-journal-'));
    h.temporary.push(journalDir);
  });

  const openJournal = () => EvidenceJournal.open(path.join(journalDir, 'engine-test.jsonl'), { courseId: 'engine-test', courseVersion: '1.0.0' });

  it('does not count a command typed before the step was opened; the same command after it does', async () => {
    const commands = new FakeCommandLog();
    commands.ran('kubectl expose deployment nginx-deployment --port 80', 0, new Date(Date.now() - 60_000));
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'expose');
    expect(result('ran-expose')).toMatchObject({ status: 'failed' });
    commands.ran('kubectl expose deployment nginx-deployment --port 80');
    await waitUntil(() => latest('ran-expose')?.status === 'passed', 'the command typed after opening to count');
  });

  it('never counts a command from an earlier lab, not even for a check scoped to the whole lab', async () => {
    const commands = new FakeCommandLog();
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'deploy');
    commands.ran('kubectl apply -f nginx-deployment.yaml');
    await waitUntil(() => latest('ran-apply')?.status === 'passed', 'the command to count in its own lab');
    await engine.activate('9.2', 'apply-again');
    await settle();
    expect(result('ran-apply', '9.2')).toMatchObject({ status: 'failed' });
    commands.ran('kubectl apply -f nginx-deployment.yaml');
    await waitUntil(() => result('ran-apply', '9.2')?.status === 'passed', 'the command typed in the later lab to count');
  });

  it('counts a since: lab command typed in an earlier step of the same lab, but not one from before the lab', async () => {
    const commands = new FakeCommandLog();
    commands.ran('kubectl apply -f before-the-lab.yaml', 0, new Date(Date.now() - 60_000));
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'deploy');
    commands.ran('kubectl apply -f nginx-deployment.yaml');
    await waitUntil(() => latest('ran-apply')?.status === 'passed', 'the apply to count in its step');
    await engine.activate('9.1', 'expose');
    expect(result('ran-apply-in-lab')).toMatchObject({ status: 'passed', evidence: { matched: expect.objectContaining({ command: 'kubectl apply -f nginx-deployment.yaml' }) } });
  });

  it('judges every step of the open lab, and none of a lab the attendee has not opened', async () => {
    await h.double.setObjects([service, pod('nginx-kubectl'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'deploy');
    await settle();
    expect(result('service-exists')).toMatchObject({ status: 'passed' });
    expect(h.emitted.filter((emittedResult) => emittedResult.labId !== '9.1')).toEqual([]);
    expect(engine.results('9.2').every((candidate) => candidate.status === 'waiting')).toBe(true);
  });

  it('counts a command typed in the lab before its step was opened, so that step completes by itself', async () => {
    const commands = new FakeCommandLog();
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'deploy');
    commands.ran('kubectl expose deployment nginx-deployment --port 80');
    await waitUntil(() => latest('ran-expose')?.status === 'passed', 'the later step\'s command to count before that step was opened');
  });

  it('does not count a command typed while another lab was open, even after coming back', async () => {
    const commands = new FakeCommandLog();
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'deploy');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await engine.activate('9.2', 'apply-again');
    commands.ran('kubectl expose deployment nginx-deployment --port 80');
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await engine.activate('9.1', 'expose');
    await settle();
    expect(result('ran-expose')).toMatchObject({ status: 'failed' });
    commands.ran('kubectl expose deployment nginx-deployment --port 80');
    await waitUntil(() => result('ran-expose')?.status === 'passed', 'the command typed back in its own lab to count');
  });

  it('passes an "is gone" check only after the object was seen during the step, or deleted by a command of the step', async () => {
    const commands = new FakeCommandLog();
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'delete');
    expect(result('kubectl-pod-gone')).toMatchObject({ status: 'failed', message: expect.stringContaining('has not existed while this step was open') });
    expect(result('no-debug-pod')).toMatchObject({ status: 'passed' });
    commands.ran('kubectl delete pod nginx-kubectl');
    await waitUntil(() => latest('kubectl-pod-gone')?.status === 'passed', 'the delete command to witness the pod being gone');
    expect(latest('kubectl-pod-gone')?.evidence).toMatchObject({ deletedBy: { command: 'kubectl delete pod nginx-kubectl' } });
  });

  it('passes an "is gone" check when the object seen at opening disappears', async () => {
    await h.double.setObjects([pod('nginx-kubectl')]);
    const { engine } = await startEngine();
    await engine.activate('9.1', 'delete');
    expect(result('kubectl-pod-gone')).toMatchObject({ status: 'failed', message: 'Pod default/nginx-kubectl still exists' });
    await h.double.remove({ kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' });
    await waitUntil(() => latest('kubectl-pod-gone')?.status === 'passed', 'the check to pass once the pod is gone');
  });

  it('does not take Labdeck\'s own "Clean up" for the attendee deleting an object', async () => {
    await h.double.setObjects([pod('nginx-kubectl')]);
    const commands = new FakeCommandLog();
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'delete');
    expect(result('kubectl-pod-gone')).toMatchObject({ status: 'failed', message: 'Pod default/nginx-kubectl still exists' });
    expect(await engine.cleanup('9.1', 'delete')).toEqual({ deleted: [{ kind: 'Pod', namespace: 'default', name: 'nginx-kubectl' }] });
    await waitUntil(() => latest('kubectl-pod-gone')?.message.includes('has not existed while this step was open') === true, 'the check to say the attendee has not deleted it');
    await settle();
    expect(latest('kubectl-pod-gone')).toMatchObject({ status: 'failed' });
  });

  it('journals first passes and regressions before showing them, and never context checks', async () => {
    const journal = await openJournal();
    await h.double.setObjects([deployment(3, 3), service, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }]);
    let journaledWhenShown = true;
    const { engine } = await startEngine({ journal });
    const emit = h.emitted.push.bind(h.emitted);
    h.emitted.push = (...items: CheckResult[]) => {
      for (const item of items) {
        if (item.status === 'passed' && item.checkId !== 'default-ns') {
          journaledWhenShown &&= journal.entries().some((entry) => entry.type === 'check-passed' && entry.checkId === item.checkId);
        }
      }
      return emit(...items);
    };
    await engine.activate('9.1', 'deploy');
    await engine.activate('9.1', 'expose');
    await h.double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: 1 });
    await waitUntil(() => latest('deployment')?.status === 'failed', 'the deployment check to regress');
    await h.double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: 3 });
    await waitUntil(() => latest('deployment')?.status === 'passed', 'the deployment check to pass again');
    const lines = journal.entries().map((entry) => `${entry.type} ${entry.stepId}/${entry.checkId}`);
    // Opening the lab judges all its steps: the guard of the later delete step holds as written.
    expect(lines.slice(0, 3).sort()).toEqual(['check-passed delete/no-debug-pod', 'check-passed deploy/deployment', 'check-passed expose/service-exists']);
    expect(lines.slice(3)).toEqual(['check-regressed deploy/deployment', 'check-passed deploy/deployment']);
    expect(journal.entries()[0]?.evidence).toEqual([expect.objectContaining({ kind: 'Deployment', status: { readyReplicas: 3 } })]);
    expect(journaledWhenShown).toBe(true);
    // The context check passed and was shown, but it is not the attendee's achievement.
    expect(latest('default-ns')).toMatchObject({ status: 'passed' });
  });

  it('after a restart, counts from the journaled opening and keeps once-mode passes', async () => {
    const journal = await openJournal();
    const opened = new Date(Date.now() - 120_000);
    await journal.append({ type: 'lab-opened', labId: '9.1', time: opened.toISOString() });
    await journal.append({ type: 'step-opened', labId: '9.1', stepId: 'expose', time: opened.toISOString() });
    await journal.append({ type: 'step-opened', labId: '9.1', stepId: 'deploy', time: opened.toISOString() });
    await journal.append({ type: 'check-passed', labId: '9.1', stepId: 'deploy', checkId: 'ran-apply', time: new Date(opened.getTime() + 1000).toISOString(), evidence: { matched: { command: 'kubectl apply -f x.yaml', exitCode: 0 } } });
    const commands = new FakeCommandLog();
    commands.ran('kubectl expose deployment nginx-deployment --port 80', 0, new Date(opened.getTime() + 5000));
    const { engine } = await startEngine({ journal, commands });
    await engine.activate('9.1', 'expose');
    expect(result('ran-expose')).toMatchObject({ status: 'passed' });
    expect(result('ran-apply')).toMatchObject({ status: 'passed', sticky: true, evidence: { matched: { command: 'kubectl apply -f x.yaml' } } });
    expect(journal.entries().filter((entry) => entry.checkId === 'ran-apply')).toHaveLength(1);
  });

  it('forgets a reset lab: earlier commands stop counting for its steps', async () => {
    const commands = new FakeCommandLog();
    const { engine } = await startEngine({ commands });
    await engine.activate('9.1', 'expose');
    commands.ran('kubectl expose deployment nginx-deployment --port 80');
    await waitUntil(() => latest('ran-expose')?.status === 'passed', 'the command to count');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await engine.activate('9.1', 'deploy');
    await engine.forget('9.1');
    // The lab is open, so its steps are judged again at once: from now on, without the earlier command.
    expect(result('ran-expose')).toMatchObject({ status: 'failed' });
    await engine.activate('9.1', 'expose');
    expect(result('ran-expose')).toMatchObject({ status: 'failed' });
  });
});

describe('after a progress reset and a restart', () => {
  it('does not count openings and passes the reset threw away', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'labdeck-engine-journal-'));
    h.temporary.push(dir);
    const journal = await EvidenceJournal.open(path.join(dir, 'engine-test.jsonl'), { courseId: 'engine-test', courseVersion: '1.0.0' });
    const before = Date.now() - 600_000;
    await journal.append({ type: 'step-opened', labId: '9.1', stepId: 'expose', time: new Date(before).toISOString() });
    await journal.append({ type: 'check-passed', labId: '9.1', stepId: 'expose', checkId: 'ran-expose', time: new Date(before + 1000).toISOString(), evidence: { matched: { command: 'kubectl expose', exitCode: 0 } } });
    const commands = new FakeCommandLog();
    commands.ran('kubectl expose deployment nginx-deployment --port 80', 0, new Date(before + 1000));
    const { catalog, dir: courseDir } = await writeCourse([lab, laterLab]);
    h.temporary.push(courseDir);
    const resetAt = new Date(before + 300_000).toISOString();
    const engine = new CheckEngine({
      catalog,
      cluster: new FakeClusterAccess(h.double.kubeconfigPath),
      containers: new FakeContainers(),
      commandLog: commands,
      events: { emit: (_name, payload) => h.emitted.push(payload as CheckResult) },
      onResult: () => undefined,
      journal,
      progressStartedAt: (labId) => (labId === '9.1' ? resetAt : undefined),
      debounceMs: 50,
    });
    h.engine = engine;
    await engine.activate('9.1', 'expose');
    expect(engine.results('9.1').find((result) => result.checkId === 'ran-expose')).toMatchObject({ status: 'failed' });
  });
});
