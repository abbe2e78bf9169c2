import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSigningKey } from '../../node/course-pack/keys.ts';
import { writePack } from '../../node/course-pack/pack-writer.ts';
import { resolveEnvConfig } from '../../node/env/config.ts';
import { LabCatalog } from '../../node/labs/lab-catalog.ts';
import { attendeeJournal } from '../../node/reports/attendee.test-support.ts';
import { exportReport } from '../../node/reports/export-report.ts';
import { registerGradeReportsCommand } from './grade-reports.ts';
import { runCommand } from './run-command.test-support.ts';
import { registerVerifyReportCommand } from './verify-report.ts';

const REAL_LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs/1.1-kubectl-kubeconfig');

describe('labdeck verify-report and grade-reports', () => {
  let work: string;
  let reportFile: string;
  let fingerprint: string;
  let course: string;

  beforeAll(async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-verify-report-'));
    course = path.join(work, 'course');
    await fsp.cp(REAL_LAB, path.join(course, '1.1-kubectl-kubeconfig'), { recursive: true });
    await fsp.writeFile(path.join(course, 'course.yaml'), 'id: k8s-networking\ntitle: K8s Networking introduction\nversion: 1.0.0\n');
    const dataDir = path.join(work, 'attendee');
    const journal = await attendeeJournal(dataDir, { id: 'k8s-networking', version: '1.0.0' }, { attendee: 'Alice' });
    await journal.append({ type: 'step-opened', labId: '1.1', stepId: 'get-nodes' });
    await journal.append({ type: 'check-passed', labId: '1.1', stepId: 'get-nodes', checkId: 'ran-get-nodes', evidence: { matched: { command: 'k get no', exitCode: 0, time: '2026-11-29T10:00:00Z' } } });
    const exported = await exportReport({ catalog: await LabCatalog.load(course), dataDir, cluster: { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined }, labdeckVersion: 'test', attendee: 'Alice' });
    await fsp.mkdir(path.join(work, 'class'));
    reportFile = path.join(work, 'class', 'alice.labdeck-report.json');
    await fsp.writeFile(reportFile, exported.json);
    fingerprint = exported.fingerprint;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await fsp.rm(work, { recursive: true, force: true });
  });

  it('accepts an untouched report, re-running its checks from the course folder or from a pack', async () => {
    const fromFolder = await runCommand(registerVerifyReportCommand, ['verify-report', reportFile, '--course', course, '--key', fingerprint]);
    expect(fromFolder.exitCode).toBeUndefined();
    expect(fromFolder.stdout).toContain('Evidence: 1 recorded passes re-checked on their evidence, 0 not judgeable from their evidence alone (flagged above 10 % and 3 or more)');
    expect(fromFolder.stdout).toContain('OK  signature, signed journal, hash chain and summary are intact.');

    const pack = path.join(work, 'course.labdeck');
    await writePack({ courseDir: course, out: pack, key: generateSigningKey('Instructor'), imageDirs: [], environment: resolveEnvConfig({}), labdeckVersion: 'test' });
    const fromPack = await runCommand(registerVerifyReportCommand, ['verify-report', reportFile, '--course', pack]);
    expect(fromPack.exitCode).toBeUndefined();
  });

  it('exits 1 and names the edit', async () => {
    const tampered = path.join(work, 'tampered.json');
    await fsp.writeFile(tampered, (await fsp.readFile(reportFile, 'utf8')).replace('"k get no"', '"k get ns"'));
    const run = await runCommand(registerVerifyReportCommand, ['verify-report', tampered]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('BAD  entry 2 (check-passed 1.1/get-nodes/ran-get-nodes): field evidence.matched.command was changed');
  });

  it('grade-reports prints the class as csv, json or junit', async () => {
    const csv = await runCommand(registerGradeReportsCommand, ['grade-reports', path.join(work, 'class')]);
    expect(csv.stdout.split('\n')[1]).toMatch(/^Alice,alice\.labdeck-report\.json,k8s-networking 1\.0\.0,,0\.20,20\.0,0,0,0,/);
    const json = JSON.parse((await runCommand(registerGradeReportsCommand, ['grade-reports', path.join(work, 'class'), '--format', 'json'])).stdout) as { summary: { clean: number } };
    expect(json.summary.clean).toBe(1);
    const junit = await runCommand(registerGradeReportsCommand, ['grade-reports', path.join(work, 'class'), '--format', 'junit']);
    expect(junit.stdout).toContain('<testcase classname="Alice" name="lab 1.1"><failure message="20% of the checks passed"/></testcase>');
  });

  it('grade-reports with a roster grades attendees named constructor or =formula, and a report too deep to read, without stopping', async () => {
    const course = await LabCatalog.load(path.join(work, 'course'));
    const dir = path.join(work, 'hostile-class');
    await fsp.mkdir(dir);
    for (const name of ['constructor', '=cmd|"/c calc"!A1']) {
      const dataDir = path.join(work, `hostile-${encodeURIComponent(name)}`);
      const journal = await attendeeJournal(dataDir, { id: 'k8s-networking', version: '1.0.0' }, { attendee: name });
      await journal.append({ type: 'step-opened', labId: '1.1', stepId: 'get-nodes' });
      const report = await exportReport({ catalog: course, dataDir, cluster: { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined }, labdeckVersion: 'test', attendee: name });
      await fsp.writeFile(path.join(dir, `${encodeURIComponent(name)}.json`), report.json);
    }
    await fsp.writeFile(path.join(dir, 'deep.json'), `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    await fsp.mkdir(path.join(dir, 'folder.json'));
    const roster = path.join(work, 'roster.json');
    await fsp.writeFile(roster, JSON.stringify({ Alice: fingerprint }));
    const run = await runCommand(registerGradeReportsCommand, ['grade-reports', dir, '--roster', roster]);
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(1, -1).map((line) => line.split(',').slice(0, 4).join(','))).toEqual([
      '?,deep.json,?,unreadable',
      '?,folder.json,?,unreadable',
      '"\'=cmd|""/c calc""!A1",%3Dcmd%7C%22%2Fc%20calc%22!A1.json,k8s-networking 1.0.0,',
      'constructor,constructor.json,k8s-networking 1.0.0,',
    ]);
  });
});
