import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { startKubeApiTestDouble } from '../../../e2e/support/kube-api-test-double.ts';
import { SnapshotWorld } from '../../node/checks/snapshot-world.ts';
import { LabCatalog } from '../../node/labs/lab-catalog.ts';
import { generateSigningKey } from '../../node/course-pack/keys.ts';
import { courseVersion } from '../../node/course-format/lab-schema.ts';
import { canonicalJson, entryHash, EvidenceJournal, readJournal, type JournalEntry } from '../../node/progress/evidence-journal.ts';
import { journalWholeCourse } from '../../node/reports/attendee.test-support.ts';
import { registerGradeCommand } from './grade.ts';
import { runCommand, type CommandRun } from './run-command.test-support.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const LABS = path.join(ROOT, 'labs');
const WRONG_IMAGE = path.join(ROOT, 'electron/node/checks/fixtures/snapshot-lab-1.3-wrong-image.json');

function runGrade(...args: string[]): Promise<CommandRun> {
  return runCommand(registerGradeCommand, ['grade', '--labs', LABS, ...args]);
}

describe('labdeck grade', () => {
  it('prints pure JSON in the documented shape and exits 1 when a check failed', async () => {
    const { stdout, exitCode } = await runGrade('--lab', '1.3', '--snapshot', WRONG_IMAGE, '--format', 'json');
    const report = JSON.parse(stdout) as {
      lab: string;
      title: string;
      steps: Array<{ id: string; title: string; status: string; checks: Array<{ id: string; kind: string; status: string; message: string }> }>;
      summary: { passed: number; failed: number; skipped: number; total: number };
    };
    expect(Object.keys(report)).toEqual(['lab', 'title', 'steps', 'summary']);
    expect(report.lab).toBe('1.3');
    const create = report.steps.find((step) => step.id === 'create-deployment');
    expect(create?.status).toBe('failed');
    expect(create?.checks.find((check) => check.id === 'deployment-spec')).toEqual({
      id: 'deployment-spec',
      kind: 'resource',
      status: 'failed',
      message: 'nginx-deployment runs image nginx:latest, expected nginx:1.14.2',
    });
    expect(create?.checks.find((check) => check.id === 'deployment-ready')?.message).toBe('nginx-deployment has 2/3 ready replicas');
    // A snapshot has no command record: command checks are skipped, never passed.
    expect(create?.checks.find((check) => check.kind === 'command')).toMatchObject({ status: 'skipped' });
    const { passed, failed, skipped, total } = report.summary;
    expect(passed + failed + skipped).toBe(total);
    expect(failed).toBeGreaterThan(0);
    expect(exitCode).toBe(1);
  });

  it('grades every lab as an array with --lab all', async () => {
    const { stdout } = await runGrade('--lab', 'all', '--snapshot', WRONG_IMAGE, '--format', 'json');
    const reports = JSON.parse(stdout) as Array<{ lab: string }>;
    expect(reports.map((report) => report.lab)).toEqual(['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9']);
  });

  it('writes JUnit XML with escaped messages', async () => {
    const { stdout } = await runGrade('--lab', '1.3', '--snapshot', WRONG_IMAGE, '--format', 'junit');
    expect(stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')).toBe(true);
    expect(stdout).toContain('<testcase classname="1.3.create-deployment" name="deployment-spec"><failure type="failed" message="nginx-deployment runs image nginx:latest, expected nginx:1.14.2">');
    expect(stdout).toMatch(/<skipped message="[^"<>]*"\/>/);
    expect(stdout.match(/<testcase /g)?.length).toBe(stdout.match(/<\/testcase>/g)?.length);
  });

  it('grades the live cluster of a kubeconfig the same way as its snapshot', async () => {
    const double = await startKubeApiTestDouble();
    try {
      const snapshot = JSON.parse(await readFile(WRONG_IMAGE, 'utf8')) as { items: Array<Record<string, unknown>> };
      await double.setObjects(snapshot.items);
      expect(SnapshotWorld.parse(JSON.stringify(snapshot)).size).toBe(3);
      const live = await runGrade('--lab', '1.3', '--kubeconfig', double.kubeconfigPath, '--format', 'json');
      const fromSnapshot = await runGrade('--lab', '1.3', '--snapshot', WRONG_IMAGE, '--format', 'json');
      expect(JSON.parse(live.stdout)).toEqual(JSON.parse(fromSnapshot.stdout));
      expect(live.exitCode).toBe(1);
    } finally {
      await double.stop();
    }
  });

  it('exits 2 when the cluster of the kubeconfig cannot be reached', async () => {
    const double = await startKubeApiTestDouble();
    const kubeconfig = await double.writeKubeconfig(await mkdtemp(path.join(tmpdir(), 'labdeck-grade-')));
    await double.stop();
    let stderr = '';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      const { exitCode } = await runGrade('--lab', '1.3', '--kubeconfig', kubeconfig);
      expect(exitCode).toBe(2);
      expect(stderr).toContain(`Cannot reach the cluster of ${kubeconfig}`);
    } finally {
      write.mockRestore();
      await rm(path.dirname(kubeconfig), { recursive: true, force: true });
    }
  });

  it('exits 2 with the reason when the snapshot cannot be read', async () => {
    let stderr = '';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      const { stdout, exitCode } = await runGrade('--lab', '1.3', '--snapshot', '/nonexistent/snapshot.json');
      expect(stdout).toBe('');
      expect(exitCode).toBe(2);
      expect(stderr).toContain('Cannot read the snapshot /nonexistent/snapshot.json');
    } finally {
      write.mockRestore();
    }
  });

  it('skips what a snapshot cannot answer (commands, probes, HTTP), never passes it', async () => {
    const { stdout } = await runGrade('--lab', 'all', '--snapshot', WRONG_IMAGE, '--format', 'json');
    const checks = (JSON.parse(stdout) as Array<{ steps: Array<{ checks: Array<{ kind: string; status: string }> }> }>).flatMap((lab) => lab.steps.flatMap((step) => step.checks));
    const unanswerable = checks.filter((check) => check.kind !== 'resource');
    expect(unanswerable.some((check) => check.kind === 'probe')).toBe(true);
    expect(unanswerable.filter((check) => check.kind === 'probe' || check.kind === 'http').every((check) => check.status === 'skipped')).toBe(true);
    expect(unanswerable.filter((check) => check.status === 'passed')).toEqual([]);
  });

  it('says how to write a snapshot with every kind the checks select when one lacks some', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'labdeck-grade-'));
    const partial = path.join(dir, 'pods-only.json');
    await writeFile(partial, JSON.stringify({ kind: 'List', apiVersion: 'v1', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'default' } }] }));
    let stderr = '';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      const { stdout } = await runGrade('--lab', '1.3', '--snapshot', partial, '--format', 'json');
      const report = JSON.parse(stdout) as { steps: Array<{ checks: Array<{ id: string; status: string; message: string }> }> };
      const deploymentChecks = report.steps.flatMap((step) => step.checks).filter((check) => check.message.includes('cannot list Deployment'));
      expect(deploymentChecks.length).toBeGreaterThan(0);
      expect(deploymentChecks.every((check) => check.status === 'skipped')).toBe(true);
      expect(stderr).toMatch(/The snapshot has no .*Deployment.*ReplicaSet.* objects/);
      const command = /`(kubectl get [^`]*)`/.exec(stderr)?.[1] ?? '';
      for (const resource of ['nodes', 'namespaces', 'pods', 'services', 'endpoints', 'deployments.apps', 'replicasets.apps']) expect(command.split(' ')[2]?.split(',')).toContain(resource);
      expect(command).toMatch(/ -A -o json > snapshot\.json$/);
    } finally {
      write.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('labdeck grade --journal', () => {
  const attendeeKey = generateSigningKey('Alice');
  const cluster = 'cd'.repeat(32);

  /**
   * A journal in which the attendee opened every step of lab 1.3 and passed all (or all but the last step's)
   * checks, as the app writes it: signed with the report key, bound to the cluster and the course version.
   */
  async function writeJournal(options: { completeAll: boolean }): Promise<{ file: string; dir: string; lastStep: string }> {
    const catalog = await LabCatalog.load(LABS);
    const lab = catalog.requireLab('1.3');
    const dir = await mkdtemp(path.join(tmpdir(), 'labdeck-grade-journal-'));
    const file = path.join(dir, `${catalog.courseId}.jsonl`);
    const journal = await EvidenceJournal.open(file, { courseId: catalog.courseId, courseVersion: courseVersion(catalog.course), key: attendeeKey, cluster: () => cluster });
    let clock = Date.parse('2026-11-29T09:00:00Z');
    const time = () => new Date((clock += 1000)).toISOString();
    await journal.append({ type: 'lab-opened', labId: '1.3', time: time() });
    const steps = lab.file.steps;
    // The evidence the engine records, from the self-test's solution worlds: graders re-run the checks on it.
    await journalWholeCourse(journal, catalog, { labs: ['1.3'], time, ...(options.completeAll ? {} : { withoutPasses: { labId: '1.3', stepId: steps.at(-1)?.id ?? '' } }) });
    return { file, dir, lastStep: steps.at(-1)?.id ?? '' };
  }

  it('reports each step complete with when and on what evidence, and exits 1 while a step is incomplete', async () => {
    const { file, dir, lastStep } = await writeJournal({ completeAll: false });
    try {
      const { stdout, exitCode } = await runGrade('--lab', '1.3', '--journal', file, '--format', 'json');
      const report = JSON.parse(stdout) as {
        course: { id: string };
        journal: Array<{ lab: string; steps: Array<{ id: string; status: string; completedAt?: string; checks: Array<{ id: string; kind: string; status: string; passedAt?: string; evidence?: unknown }> }> }>;
      };
      expect(report.course.id).toBe('k8s-networking');
      const steps = report.journal[0]?.steps ?? [];
      const done = steps.filter((step) => step.id !== lastStep);
      expect(done.length).toBeGreaterThan(0);
      for (const step of done) {
        expect(step.status).toBe('complete');
        expect(step.completedAt).toMatch(/^2026-11-29T09:/);
        for (const check of step.checks.filter((candidate) => candidate.status !== 'context')) {
          expect(check).toMatchObject({ status: 'passed', passedAt: expect.any(String) });
          if (check.kind === 'command') expect(check.evidence).toEqual({ matched: expect.objectContaining({ command: expect.stringMatching(/^kubectl /), exitCode: 0 }) });
        }
      }
      expect(steps.find((step) => step.id === lastStep)?.status).toBe('incomplete');
      expect(exitCode).toBe(1);
      const text = await runGrade('--lab', '1.3', '--journal', file);
      expect(text.stdout).toMatch(/PASS {2}\S+ at 2026-11-29T09:\d\d:\d\d\.000Z: `kubectl [^`]+` exited 0/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 0 when every step is complete, and reports what holds on a snapshot separately', async () => {
    const { file, dir } = await writeJournal({ completeAll: true });
    try {
      const { stdout, exitCode } = await runGrade('--lab', '1.3', '--journal', file, '--snapshot', WRONG_IMAGE, '--format', 'json');
      const report = JSON.parse(stdout) as { journal: Array<{ summary: { complete: number; total: number } }>; holdsNow: { source: string; labs: Array<{ summary: { failed: number } }> } };
      expect(report.journal[0]?.summary.complete).toBe(report.journal[0]?.summary.total);
      // The snapshot's wrong image fails checks now, but that is not the grade: the journal says it was done.
      expect(report.holdsNow.labs[0]?.summary.failed).toBeGreaterThan(0);
      expect(exitCode ?? 0).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 naming the entry when the journal was edited', async () => {
    const { file, dir } = await writeJournal({ completeAll: true });
    let stderr = '';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      await writeFile(file, (await readFile(file, 'utf8')).replace('"exitCode":0', '"exitCode":1'));
      const { stdout, exitCode } = await runGrade('--lab', '1.3', '--journal', file);
      expect(stdout).toBe('');
      expect(exitCode).toBe(2);
      expect(stderr).toMatch(/is broken at entry \d+ \(line \d+\): its content does not match its hash/);
    } finally {
      write.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('refuses a journal it cannot attribute (issue 20), saying which', () => {
    /** Runs grade on a journal the test forged from a genuine one; returns exit code and stderr. */
    async function gradeForged(forge: (entries: JournalEntry[]) => JournalEntry[] | Promise<JournalEntry[]>, ...extra: string[]): Promise<{ exitCode: CommandRun['exitCode']; stderr: string; stdout: string }> {
      const { file, dir } = await writeJournal({ completeAll: true });
      let stderr = '';
      const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr += String(chunk);
        return true;
      });
      try {
        const forged = await forge(await readJournal(file));
        await writeFile(file, forged.map((entry) => `${canonicalJson(entry)}\n`).join(''));
        const { stdout, exitCode } = await runGrade('--lab', '1.3', '--journal', file, ...extra);
        return { exitCode, stderr, stdout };
      } finally {
        write.mockRestore();
        await rm(dir, { recursive: true, force: true });
      }
    }

    /** A script's journal: same entries, hashes and chain recomputed, with or without the old signatures. */
    function rechain(entries: JournalEntry[], change: (entry: JournalEntry) => JournalEntry, keepSignatures: boolean): JournalEntry[] {
      const out: JournalEntry[] = [];
      for (const original of entries) {
        const { hash: _hash, signature, signer, ...rest } = change(original);
        const content = { ...rest, ...(keepSignatures ? { signer } : {}), prevHash: out.at(-1)?.hash ?? '' };
        out.push({ ...content, hash: entryHash(content), ...(keepSignatures && signature ? { signature } : {}) });
      }
      return out;
    }

    it('grades the genuine journal, and names the key it is signed with', async () => {
      const { exitCode, stderr, stdout } = await gradeForged((entries) => entries);
      expect(exitCode ?? 0).toBe(0);
      expect(stdout).toContain('steps complete');
      expect(stderr).toContain(`The journal is signed by key ${attendeeKey.fingerprint}`);
      expect((await gradeForged((entries) => entries, '--key', attendeeKey.fingerprint)).exitCode ?? 0).toBe(0);
    });

    it('unsigned: written by a script, every hash and the chain right', async () => {
      const { exitCode, stderr, stdout } = await gradeForged((entries) => rechain(entries, (entry) => entry, false));
      expect(stdout).toBe('');
      expect(exitCode).toBe(2);
      expect(stderr).toMatch(/is refused \(unsigned\):\n {2}unsigned: entry 1 is not signed/);
    });

    it('broken: edited and re-chained, the old signatures kept', async () => {
      const { exitCode, stderr } = await gradeForged((entries) => rechain(entries, (entry) => (entry.type === 'check-passed' ? { ...entry, time: '2026-11-29T08:00:00.000Z' } : entry), true));
      expect(exitCode).toBe(2);
      expect(stderr).toMatch(/is broken at entry \d+ \(line \d+\): its signature does not match its content/);
    });

    it('a pass without its evidence, signed with the attendee\'s own key, is refused and not credited', async () => {
      const catalog = await LabCatalog.load(LABS);
      const dir = await mkdtemp(path.join(tmpdir(), 'labdeck-grade-claimed-'));
      const file = path.join(dir, `${catalog.courseId}.jsonl`);
      try {
        const journal = await EvidenceJournal.open(file, { courseId: catalog.courseId, courseVersion: courseVersion(catalog.course), key: attendeeKey, cluster: () => cluster });
        for (const step of catalog.requireLab('1.3').file.steps) {
          await journal.append({ type: 'step-opened', labId: '1.3', stepId: step.id });
          for (const check of step.checks.filter((candidate) => !candidate.context)) await journal.append({ type: 'check-passed', labId: '1.3', stepId: step.id, checkId: check.id, evidence: { message: 'done' } });
        }
        const { stdout, exitCode } = await runGrade('--lab', '1.3', '--journal', file, '--key', attendeeKey.fingerprint);
        expect(exitCode).toBe(1);
        expect(stdout).toMatch(/Evidence: 0 recorded passes re-checked on their evidence, 0 not judgeable from their evidence alone, \d+ refused/);
        expect(stdout).toMatch(/REFUSED entry 2 \(1\.3\/create-deployment\/\S+\), not credited: check 1\.3\/create-deployment\/\S+ passed without its evidence/);
        expect(stdout).toContain('0/3 steps complete');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('other key: signed by someone else than the attendee on the roster', async () => {
      const { exitCode, stderr } = await gradeForged((entries) => entries, '--key', generateSigningKey('Mallory').fingerprint);
      expect(exitCode).toBe(2);
      expect(stderr).toMatch(/is refused \(other-key\):\n {2}other-key: the journal is signed by key [0-9a-f ]+, but this attendee's report key is /);
    });

    it('unbound and foreign-course: no cluster on the passes, another course version', async () => {
      const catalog = await LabCatalog.load(LABS);
      const key = attendeeKey;
      // Re-signed properly with the attendee's own key: only the binding is wrong.
      const signAgain = async (change: (entry: JournalEntry) => JournalEntry): Promise<JournalEntry[]> => {
        const dir = await mkdtemp(path.join(tmpdir(), 'labdeck-grade-rebind-'));
        try {
          const original = await readJournal((await writeJournal({ completeAll: true })).file);
          const journal = await EvidenceJournal.open(path.join(dir, 'j.jsonl'), { courseId: catalog.courseId, courseVersion: change(original[0]!).courseVersion, key, cluster: () => change(original.find((entry) => entry.type === 'check-passed')!).cluster ?? '' });
          for (const entry of original) await journal.append({ type: entry.type, labId: entry.labId, time: entry.time, ...(entry.stepId ? { stepId: entry.stepId } : {}), ...(entry.checkId ? { checkId: entry.checkId } : {}), ...(entry.evidence === undefined ? {} : { evidence: entry.evidence }) });
          return [...journal.entries()];
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      };
      const unbound = await gradeForged(() => signAgain((entry) => ({ ...entry, cluster: '' })));
      expect(unbound.exitCode).toBe(2);
      expect(unbound.stderr).toMatch(/is refused \(unbound\):\n {2}unbound: entry \d+ is not bound: a pass recorded without a cluster/);
      const otherVersion = await gradeForged(() => signAgain((entry) => ({ ...entry, courseVersion: '0.9.0' })));
      expect(otherVersion.exitCode).toBe(2);
      expect(otherVersion.stderr).toMatch(/foreign-course: entry 1 is for version 0\.9\.0 of k8s-networking, not version 1\.0\.0/);
      expect(otherVersion.stderr).toContain('Pass the course folder (and version) the attendee used with --labs.');
    });
  });
});
