import { describe, expect, it } from 'vitest';
import { validateManifestText } from './manifest-validation.ts';

describe('YAML syntax problems in plain words', () => {
  it('reports an over-indented key once, on its own line', () => {
    const problems = validateManifestText('apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n    labels: x\nspec:\n  containers: []\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 5, source: 'yaml' });
    expect(problems[0]!.message).toMatch(/`labels` is indented further than `name`.*2 spaces/);
  });

  it('says what is wrong without parser jargon, one problem per line', () => {
    const missingColon = validateManifestText('apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\n  labels\n  x: 1\n');
    expect(missingColon).toEqual([expect.objectContaining({ line: 5, message: expect.stringContaining('is a colon missing') })]);
    expect(validateManifestText('a: 1\n\tb: 2\n')[0]?.message).toContain('YAML indents with spaces only');
    expect(validateManifestText('apiVersion: v1\nkind: Pod\nkind: Pod\n')[0]).toMatchObject({ line: 3, message: expect.stringContaining('appears twice') });
    for (const problem of missingColon) expect(problem.message).not.toMatch(/implicit|compact/i);
  });
});
