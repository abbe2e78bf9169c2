import { describe, expect, it } from 'vitest';
import { bundledKubernetesSchema } from './kube-schema.ts';
import { readManifestDocuments } from './manifest-documents.ts';
import { unknownFieldProblems } from './unknown-fields.ts';

// The walk runs on the backend's one event loop (in Electron: the main process), so it must stay linear in
// the size of what an attendee, or anything else that can call cluster.validate, sends. The bounds are loose
// for a loaded 2-core machine; before the linear walk these inputs took minutes.

function problemsFor(yaml: string) {
  const { documents } = readManifestDocuments(yaml);
  const schema = bundledKubernetesSchema();
  return documents.flatMap((document) => unknownFieldProblems(document, schema));
}

function timed<T>(action: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = action();
  return { value, ms: performance.now() - started };
}

describe('unknown-field walk', () => {
  it('still names a misspelt field with its position and a suggestion', () => {
    const problems = problemsFor('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  contianers: []\n');
    expect(problems).toEqual([expect.objectContaining({ line: 6, column: 3, message: 'Pod has no field "spec.contianers"; did you mean "containers"?' })]);
  });

  it('handles 40,000 unknown keys quickly and reports a bounded list that says how many there are', () => {
    const lines = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: p', 'spec:'];
    for (let index = 0; index < 40_000; index++) lines.push(`  unknown${index}: 1`);
    const { value: problems, ms } = timed(() => problemsFor(`${lines.join('\n')}\n`));
    expect(ms).toBeLessThan(10_000);
    expect(problems.length).toBeLessThanOrEqual(51);
    expect(problems[0]).toMatchObject({ line: 6, column: 3, message: expect.stringContaining('spec.unknown0') });
    expect(problems.at(-1)?.message).toContain('40000 unknown fields');
  });

  it('handles a 300,000-character unknown field name quickly', () => {
    // An explicit key ("? "): YAML limits implicit keys to 1024 characters.
    const yaml = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  ? ${'c'.repeat(300_000)}\n  : 1\n`;
    const { value: problems, ms } = timed(() => problemsFor(yaml));
    expect(ms).toBeLessThan(3000);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message.length).toBeLessThan(500);
  });
});

describe('manifest parsing stays linear', () => {
  it('still reports duplicate keys, at the duplicate', async () => {
    const { validateManifestText } = await import('../kube/manifest-validation.ts');
    const problems = validateManifestText('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  name: q\n');
    expect(problems).toEqual([expect.objectContaining({ line: 5, column: 3, source: 'yaml', message: expect.stringContaining('unique') })]);
  });

  it('validates a map with 40,000 keys quickly', async () => {
    const { validateManifestText } = await import('../kube/manifest-validation.ts');
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: p', 'data:'];
    for (let index = 0; index < 40_000; index++) lines.push(`  key${index}: "1"`);
    const { value: problems, ms } = timed(() => validateManifestText(`${lines.join('\n')}\n`));
    expect(problems).toEqual([]);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('aliases', () => {
  it('resolves aliases to anchored maps, sequences and scalars, and reports undefined ones at the alias', async () => {
    const { validateManifestText } = await import('../kube/manifest-validation.ts');
    const ok = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n  labels: &l { a: b }\n  annotations: *l\ndata: { x: &s "1", y: *s }\n';
    expect(validateManifestText(ok)).toEqual([]);
    // Anchors belong to their document: an alias in the next one does not see them.
    expect(validateManifestText(`${ok}---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: q, labels: *l }\n`)).toEqual([expect.objectContaining({ line: 11, column: 30, message: expect.stringContaining('*l') })]);
    expect(validateManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: *nothing\n')).toEqual([
      expect.objectContaining({ line: 3, column: 11, source: 'yaml', message: expect.stringContaining('Unresolved alias *nothing') }),
    ]);
  });
});
