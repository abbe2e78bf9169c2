import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { KUBERNETES_VERSION } from '../env/versions.ts';
import { LabCatalog } from './lab-catalog.ts';
import { renderLabText } from './lab-text-variables.ts';
import { lintLabs } from './lint.ts';
import { formatProblem } from './yaml-source.ts';

const REAL_LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

describe('renderLabText', () => {
  it('fills in the release Labdeck runs, with or without spaces inside the braces', () => {
    const rendered = renderLabText('kubectl {{ kubernetesVersion }} and {{kubernetesMinor}}', { kubernetesVersion: 'v9.8.7', kubernetesMinor: '9.8' });
    expect(rendered).toEqual({ text: 'kubectl v9.8.7 and 9.8', unknown: [] });
  });

  it('reports an unknown name at its line and column and leaves it in the text', () => {
    const rendered = renderLabText('first line\n  runs {{ kubernetesVerison }}', { kubernetesVersion: 'v9.8.7' });
    expect(rendered.unknown).toEqual([{ name: 'kubernetesVerison', line: 2, column: 8 }]);
    expect(rendered.text).toContain('{{ kubernetesVerison }}');
  });

  it('leaves Go templates alone, since a step may quote kubectl -o go-template', () => {
    const text = "kubectl get pods -o go-template='{{range .items}}{{.metadata.name}} {{end}}'";
    // `{{end}}` looks like a name; the lab must not break because of it, so it is reported for the author.
    const rendered = renderLabText(text, { kubernetesVersion: 'v9.8.7' });
    expect(rendered.text).toBe(text);
    expect(rendered.unknown.map((unknown) => unknown.name)).toEqual(['end']);
  });
});

describe('lab Markdown as the app and lint read it', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('the course names the Kubernetes release from versions.ts, and no lab Markdown file types it out', async () => {
    const catalog = await LabCatalog.load(REAL_LABS);
    const rendered = catalog.labs().flatMap((lab) => [lab.introduction, ...lab.steps.flatMap((step) => [step.instructions, step.solution])]);
    expect(rendered.join('\n')).toContain(KUBERNETES_VERSION);
    expect(catalog.step('1.1', 'get-nodes')?.instructions).toContain(`(${KUBERNETES_VERSION})`);
    expect(rendered.join('\n')).not.toMatch(/\{\{\s*kubernetes/);

    // The files themselves: a release written by hand (v1.33.x, "kubectl 1.33") goes stale with the next bump.
    const minor = KUBERNETES_VERSION.replace(/^v/, '').split('.').slice(0, 2).join('.');
    const handWritten = new RegExp(`(^|[^.\\d])v?${minor.replace('.', '\\.')}(\\.[\\dx]+)?([^.\\d]|$)`);
    const files = catalog.labs().flatMap((lab) => [lab.file.introduction, ...lab.steps.flatMap((step) => [step.spec.instructions, step.spec.solution])].map((file) => path.join(lab.dir, file)));
    for (const file of files) expect((await readFile(file, 'utf8')).match(handWritten)?.[0], path.relative(REAL_LABS, file)).toBeUndefined();
  });

  it('lint reports an unknown variable in a step text at its file, line and column', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'labdeck-vars-'));
    const lab = path.join(dir, '1.1-demo');
    await mkdir(path.join(lab, 'steps'), { recursive: true });
    await writeFile(
      path.join(lab, 'lab.yaml'),
      `id: "1.1"
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
    checks:
      - { id: ran, title: You ran it, kind: command, mode: once, command: { program: kubectl, args: [version] }, exitCode: 0 }
`,
    );
    await writeFile(path.join(lab, 'intro.md'), '# Demo on {{ kubernetesVersion }}');
    await writeFile(path.join(lab, 'steps/first.md'), 'Run kubectl version.\nIt prints {{ k8sVersion }}.');
    await writeFile(path.join(lab, 'steps/first-solution.md'), '`kubectl version`');
    await writeFile(path.join(lab, 'selftest.yaml'), 'steps:\n  - step: first\n    before: { from: empty }\n    solution: { commands: [kubectl version] }\n');
    const report = await lintLabs(dir);
    const messages = report.problems.map((problem) => formatProblem({ ...problem, file: path.relative(dir ?? '', problem.file) }));
    expect(messages).toEqual([expect.stringMatching(/^1\.1-demo\/steps\/first\.md:2:11 unknown lab variable \{\{ k8sVersion \}\}; lab Markdown knows \{\{ kubernetesVersion \}\}/)]);
    await expect(LabCatalog.load(dir)).rejects.toThrow(/k8sVersion/);
  });
});
