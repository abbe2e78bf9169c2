import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabFolder } from './lab-folder.ts';

// Property-based fuzzing of the lab loader: whatever a lab.yaml holds (course folders come from instructors,
// USB sticks, downloads), loading never throws, and every problem has a message and a location in the file.

const goodLab = {
  id: '1.1',
  slug: 'demo',
  title: 'Demo',
  summary: 'A lab for tests',
  objectives: ['Do a thing'],
  durationMinutes: 5,
  introduction: 'intro.md',
  steps: [
    {
      id: 'first',
      title: 'First',
      instructions: 'steps/first.md',
      solution: 'steps/first-solution.md',
      snippets: [{ id: 'pod', kind: 'manifest', file: 'manifests/pod.yaml' }],
      hints: [{ text: 'Look closer', forCheck: 'pod-runs' }],
      checks: [
        {
          id: 'pod-runs',
          title: 'The pod runs',
          kind: 'resource',
          select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' },
          assert: [{ that: 'object.status.phase == "Running"', message: 'web is {{object.status.phase}}' }],
        },
      ],
    },
  ],
};

let root: string;
let labDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'labdeck-lab-fuzz-'));
  labDir = path.join(root, '1.1-demo');
  await mkdir(path.join(labDir, 'steps'), { recursive: true });
  await mkdir(path.join(labDir, 'manifests'), { recursive: true });
  await writeFile(path.join(labDir, 'intro.md'), '# Intro');
  await writeFile(path.join(labDir, 'steps', 'first.md'), 'Do it');
  await writeFile(path.join(labDir, 'steps', 'first-solution.md'), 'Done');
  await writeFile(path.join(labDir, 'manifests', 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Replaces the value at a random path of the good lab with a random value: near-valid labs. */
function withValueAt(value: unknown, choices: number[], replacement: unknown): unknown {
  if (choices.length === 0 || value === null || typeof value !== 'object') return replacement;
  const [choice, ...rest] = choices;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const index = choice! % value.length;
    return value.map((item, at) => (at === index ? withValueAt(item, rest, replacement) : item));
  }
  const keys = Object.keys(value);
  const key = keys[choice! % keys.length]!;
  return { ...(value as Record<string, unknown>), [key]: withValueAt((value as Record<string, unknown>)[key], rest, replacement) };
}

const oddValue = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom('../../../etc/passwd', '/etc/shadow', 'steps/missing.md', '', '{{', 'object.x ==', '^(a+)+$', '1.1', 'x'.repeat(5000), -1, 1e308, null),
);
const nearLab = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), oddValue).map(([choices, replacement]) => String(stringify(withValueAt(goodLab, choices, replacement)) ?? ''));
const mutatedText = fc
  .array(fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.string({ maxLength: 3, unit: fc.constantFrom(':', '-', ' ', '\n', '{', '[', '"', '&', '*', '!', '#', '|', '>', 'a', '\t') })), { maxLength: 5 })
  .map((edits) => {
    let text = stringify(goodLab);
    for (const [at, remove, insert] of edits) {
      const index = at % (text.length + 1);
      text = text.slice(0, index) + insert + text.slice(index + remove);
    }
    return text;
  });
const labText = fc.oneof(nearLab, mutatedText, fc.string({ maxLength: 300 }), fc.anything({ maxDepth: 3 }).map((value) => String(stringify(value) ?? '')));

describe('lab loader under fuzzing', () => {
  it('the unchanged lab loads cleanly (the fuzzing starts from a valid lab)', async () => {
    await writeFile(path.join(labDir, 'lab.yaml'), stringify(goodLab));
    const result = await loadLabFolder(labDir, labDir, root);
    expect(result.problems).toEqual([]);
    expect(result.lab?.steps).toHaveLength(1);
  });

  it('never throws, and every problem has a message and a location in lab.yaml or a file it names', async () => {
    await fc.assert(
      fc.asyncProperty(labText, async (text) => {
        await writeFile(path.join(labDir, 'lab.yaml'), text);
        const result = await loadLabFolder(labDir, labDir, root);
        const lines = text.split(/\r\n|\r|\n/).length;
        for (const problem of result.problems) {
          expect(problem.message.length).toBeGreaterThan(0);
          expect(problem.file.length).toBeGreaterThan(0);
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.column).toBeGreaterThanOrEqual(1);
          if (problem.file.endsWith('lab.yaml')) expect(problem.line).toBeLessThanOrEqual(lines + 1);
        }
        if (result.lab === undefined) expect(result.problems.length).toBeGreaterThan(0);
      }),
      // Found by this test: a referenced file name longer than the file system allows made the loader throw.
      { numRuns: 300, examples: [[stringify({ ...goodLab, introduction: 'x'.repeat(5000) })], ['*!']] },
    );
  });
});
