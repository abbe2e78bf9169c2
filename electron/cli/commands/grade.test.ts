import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { startKubeApiTestDouble } from '../../../e2e/support/kube-api-test-double.ts';
import { SnapshotWorld } from '../../node/checks/snapshot-world.ts';
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
      expect(SnapshotWorld.parse(JSON.stringify(snapshot)).size).toBe(2);
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
});
