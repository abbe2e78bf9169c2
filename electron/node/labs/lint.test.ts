import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lintLabs } from './lint.ts';
import { formatProblem } from './yaml-source.ts';

const REAL_LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

const goodLab = `id: "1.1"
slug: demo
title: Demo
summary: A lab for tests
objectives: [Do a thing]
durationMinutes: 5
introduction: intro.md
steps:
  - id: first
    title: First
    instructions: steps/first.md
    solution: steps/first-solution.md
    snippets:
      - id: pod
        kind: manifest
        file: manifests/pod.yaml
    hints:
      - text: Look closer
        forCheck: pod-runs
    checks:
      - id: pod-runs
        title: The pod runs
        kind: resource
        select: { apiVersion: v1, kind: Pod, namespace: default, name: web }
        assert:
          - that: object.status.phase == "Running"
            message: 'web is {{object.status.phase}}'
      - id: ran-apply
        title: You applied pod.yaml
        kind: command
        command: { program: kubectl, args: [apply], flags: { filename: '*pod.yaml' } }
`;

/** The good lab without its command check: only the object it asks for. */
const resourceOnlyLab = goodLab.slice(0, goodLab.indexOf('      - id: ran-apply'));

const goodSelftest = `steps:
  - step: first
    before: { from: empty }
    solution:
      objects:
        - { apiVersion: v1, kind: Pod, metadata: { name: web, namespace: default }, status: { phase: Running } }
      commands: [kubectl apply -f pod.yaml]
`;

const podManifest = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
`;

let dir: string;

async function writeLab(folder: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, folder, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

async function lintMessages(): Promise<string[]> {
  const report = await lintLabs(dir);
  return report.problems.map((problem) => formatProblem({ ...problem, file: path.relative(dir, problem.file) }));
}

const baseFiles = {
  'lab.yaml': goodLab,
  'intro.md': '# Demo',
  'steps/first.md': 'Do it',
  'steps/first-solution.md': 'Done',
  'manifests/pod.yaml': podManifest,
  'selftest.yaml': goodSelftest,
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'labdeck-lint-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lintLabs', () => {
  it('passes a correct lab and counts what it checked', async () => {
    await writeLab('1.1-demo', baseFiles);
    const report = await lintLabs(dir);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ labs: 1, steps: 1, checks: 2 });
  });

  it('requires a version in course.yaml: evidence is bound to it (issue 20)', async () => {
    await writeLab('1.1-demo', baseFiles);
    await writeFile(path.join(dir, 'course.yaml'), 'id: demo\ntitle: Demo\n');
    expect(await lintMessages()).toEqual([expect.stringMatching(/^course\.yaml:1:1 course\.yaml has no version: add `version: 1\.0\.0`/)]);
    await writeFile(path.join(dir, 'course.yaml'), 'id: demo\ntitle: Demo\nversion: 1.0.0\n');
    expect(await lintMessages()).toEqual([]);
  });

  it('reports a schema error at the line and column of the value', async () => {
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': goodLab.replace('durationMinutes: 5', 'durationMinutes: five') });
    expect(await lintMessages()).toEqual([expect.stringMatching(/^1\.1-demo\/lab\.yaml:6:18 durationMinutes: .*number/)]);
  });

  it('reports an unknown field at its key', async () => {
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': goodLab.replace('    title: First\n', '    title: First\n    titel: typo\n') });
    expect(await lintMessages()).toEqual(['1.1-demo/lab.yaml:11:5 steps[0].titel: unknown field "titel"']);
  });

  it('reports CEL that does not compile, in assertions and in message templates', async () => {
    const broken = goodLab
      .replace('that: object.status.phase == "Running"', 'that: object.status.phase ==')
      .replace("'web is {{object.status.phase}}'", "'web is {{phase}}'");
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': broken });
    const messages = await lintMessages();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^1\.1-demo\/lab\.yaml:26:19 CEL does not compile: /);
    expect(messages[1]).toMatch(/^1\.1-demo\/lab\.yaml:27:22 \{\{ phase \}\} does not compile: .*phase/);
  });

  it('reports a manifest that fails the Kubernetes schema at its own file, line and column', async () => {
    await writeLab('1.1-demo', { ...baseFiles, 'manifests/pod.yaml': podManifest.replace('    - name: web\n', '    - name: 42\n') });
    expect(await lintMessages()).toEqual(['1.1-demo/manifests/pod.yaml:7:13 spec.containers[0].name must be of type string, found 42']);
  });

  it('reports a referenced file that does not exist', async () => {
    const { 'steps/first-solution.md': _removed, ...files } = baseFiles;
    await writeLab('1.1-demo', files);
    expect(await lintMessages()).toEqual(['1.1-demo/lab.yaml:12:15 solution file "steps/first-solution.md" does not exist in ' + path.join(dir, '1.1-demo')]);
  });

  it('reports a step without checks', async () => {
    const noChecks = goodLab.slice(0, goodLab.indexOf('    checks:')) + '    checks: []\n';
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': noChecks.replace('        forCheck: pod-runs\n', '') });
    expect(await lintMessages()).toEqual(['1.1-demo/lab.yaml:19:13 steps[0].checks: every step needs at least one check']);
  });

  it('reports hints for unknown checks, unknown required labs and malformed object references', async () => {
    const broken = goodLab
      .replace('forCheck: pod-runs', 'forCheck: pod-ready')
      .replace('durationMinutes: 5\n', 'durationMinutes: 5\nrequires: ["0.9"]\n')
      .concat(`      - id: curl
        title: curl
        kind: probe
        in: { verifier: true }
        command: [curl, 'http://\${svc:default/web}.spec.clusterIP']
        expect: { exitCode: 0 }
`);
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': broken });
    const messages = await lintMessages();
    expect(messages).toEqual([
      '1.1-demo/lab.yaml:7:12 requires lab 0.9, which is not in this course',
      expect.stringMatching(/^1\.1-demo\/lab\.yaml:20:19 forCheck names "pod-ready", which is not a check of step first/),
      expect.stringMatching(/^1\.1-demo\/lab\.yaml:37:25 \$\{svc:\.\.\.\} names an unknown kind/),
    ]);
  });

  it('reports a selector for a kind its API group does not have', async () => {
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': goodLab.replace('apiVersion: v1, kind: Pod,', 'apiVersion: v1, kind: Deployment,') });
    expect(await lintMessages()).toEqual(['1.1-demo/lab.yaml:24:41 v1 has no kind "Deployment"']);
  });

  it('reports duplicate ids and a folder name that does not match id-slug', async () => {
    const duplicated = goodLab.concat(`      - id: pod-runs
        title: again
        kind: command
        pattern: '^kubectl'
`);
    await writeLab('1.1-wrong', { ...baseFiles, 'lab.yaml': duplicated });
    const messages = await lintMessages();
    expect(messages).toContain('1.1-wrong/lab.yaml:2:7 the lab folder must be named 1.1-demo (id-slug), not 1.1-wrong');
    expect(messages).toContain('1.1-wrong/lab.yaml:21:13 check id "pod-runs" is used more than once in step first');
  });

  it('reports self-tests that are missing or name checks the step does not have', async () => {
    await writeLab('1.1-demo', { ...baseFiles, 'selftest.yaml': goodSelftest.concat('    distractors:\n      - name: x\n        expect: [{ check: pod-ready, mentions: [x] }]\n') });
    expect(await lintMessages()).toEqual([expect.stringMatching(/^1\.1-demo\/selftest\.yaml:10:27 step first has no check "pod-ready"/)]);
    const { 'selftest.yaml': _removed, ...withoutSelftest } = baseFiles;
    await rm(path.join(dir, '1.1-demo', 'selftest.yaml'));
    await writeLab('1.1-demo', withoutSelftest);
    expect(await lintMessages()).toEqual([expect.stringMatching(/^1\.1-demo\/selftest\.yaml:1:1 missing selftest\.yaml/)]);
  });

  it('reports a step whose checks are all context: nothing in it is the attendee\'s own work', async () => {
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': resourceOnlyLab.replace('        kind: resource\n', '        kind: resource\n        context: true\n') });
    expect(await lintMessages()).toEqual([expect.stringMatching(/^1\.1-demo\/lab\.yaml:\d+:\d+ step first has no check that only the attendee's own action in this lab can satisfy/)]);
  });

  it('reports a step whose only non-context checks are objects: they may remain from an earlier lab', async () => {
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': resourceOnlyLab });
    expect(await lintMessages()).toEqual([expect.stringMatching(/step first has no check that only the attendee's own action in this lab can satisfy.*objects may remain from earlier labs/)]);
  });

  it('reports a step whose only other checks are requests Labdeck makes itself (HTTP, probes)', async () => {
    const labdeckRequestsOnly = resourceOnlyLab.replace('        kind: resource\n', '        kind: resource\n        context: true\n').concat(`      - id: answers
        title: nginx answers on the published NodePort
        kind: http
        nodePort: 30080
        path: /
        expectStatus: 200
      - id: probe-answers
        title: nginx answers in the cluster
        kind: probe
        in: { verifier: true }
        command: [curl, -s, 'http://10.96.0.10/']
        expect: { assert: [{ that: exitCode == 0, message: 'no answer' }] }
`);
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': labdeckRequestsOnly });
    expect(await lintMessages()).toEqual([expect.stringMatching(/step first has no check that only the attendee's own action in this lab can satisfy.*probes and HTTP checks are requests Labdeck makes itself/)]);
  });

  it('reports a non-context check of Nodes or kube-system, which hold without the attendee', async () => {
    const withEnvironmentChecks = goodLab.concat(`      - id: nodes-ready
        title: Nodes are ready
        kind: resource
        select: { apiVersion: v1, kind: Node }
        assertAll: [{ that: 'objects.size() == 3', message: 'expected 3 nodes' }]
      - id: coredns
        title: CoreDNS runs
        kind: resource
        select: { apiVersion: v1, kind: Pod, namespace: kube-system, labelSelector: k8s-app=kube-dns }
        assertAll: [{ that: 'objects.size() > 0', message: 'no CoreDNS' }]
      - id: coredns-context
        title: CoreDNS runs (context)
        kind: resource
        context: true
        select: { apiVersion: v1, kind: Pod, namespace: kube-system, labelSelector: k8s-app=kube-dns }
        assertAll: [{ that: 'objects.size() > 0', message: 'no CoreDNS' }]
`);
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': withEnvironmentChecks });
    expect(await lintMessages()).toEqual([
      expect.stringMatching(/^1\.1-demo\/lab\.yaml:35:17 check nodes-ready: it selects Nodes.*mark it `context: true`/),
      expect.stringMatching(/^1\.1-demo\/lab\.yaml:40:17 check coredns: it selects objects in kube-system.*mark it `context: true`/),
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    await writeLab('1.1-demo', { ...baseFiles, 'lab.yaml': goodLab.replace('title: Demo', 'title: [Demo') });
    const [first] = await lintMessages();
    expect(first).toMatch(/^1\.1-demo\/lab\.yaml:\d+:\d+ /);
  });

  it('reports two labs shipping different manifests under one file name, which would collide in the jumphost home', async () => {
    await writeLab('1.1-demo', baseFiles);
    const second = goodLab.replace('id: "1.1"', 'id: "1.2"').replace('slug: demo', 'slug: other');
    await writeLab('1.2-other', { ...baseFiles, 'lab.yaml': second });
    expect(await lintMessages()).toEqual([]);
    await writeLab('1.2-other', { ...baseFiles, 'lab.yaml': second, 'manifests/pod.yaml': podManifest.replace('image: nginx', 'image: busybox') });
    expect(await lintMessages()).toEqual([
      '1.2-other/lab.yaml:16:15 manifest manifests/pod.yaml differs from pod.yaml of lab 1.1 (manifests/pod.yaml), but both land in /home/ubuntu/pod.yaml on the jumphost; give one of them another file name',
    ]);
  });

  it('reports a folder that cannot be read instead of crashing', async () => {
    const report = await lintLabs(path.join(dir, 'nope'));
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]?.message).toContain('cannot be read');
  });
});

describe('the course in labs/', () => {
  it('lints clean', async () => {
    const report = await lintLabs(REAL_LABS);
    expect(report.problems.map(formatProblem)).toEqual([]);
    expect(report.labs).toBe(9);
    expect(report.checks).toBeGreaterThan(report.steps);
  });
});
