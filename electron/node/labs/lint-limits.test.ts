import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { celHolds } from '../checks/cel.ts';
import { celCompileError, CEL_COST_BUDGET } from './lab-expressions.ts';
import { lintLabs } from './lint.ts';
import { formatProblem } from './yaml-source.ts';

// Issue 21 item 6: what used to end `labdeck lint` with "unexpected failure" (a YAML alias bomb, a 700 MB file)
// or stall the engine (a CEL expression seconds long per evaluation) is a finding with file and line.

const REAL_LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs/1.1-kubectl-kubeconfig');

let dir: string;
let lab: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-lint-limits-'));
  lab = path.join(dir, '1.1-kubectl-kubeconfig');
  await cp(REAL_LAB, lab, { recursive: true });
  await writeFile(path.join(dir, 'course.yaml'), 'id: demo\ntitle: Demo\nversion: 1.0.0\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ALIAS_BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[index]}`).join(',')}]`)].join('\n');

async function lintText(): Promise<string> {
  return (await lintLabs(dir)).problems.map(formatProblem).join('\n');
}

describe('lint on hostile files', () => {
  it('reports a YAML alias bomb in lab.yaml, course.yaml and selftest.yaml as a finding', async () => {
    await writeFile(path.join(lab, 'lab.yaml'), `${ALIAS_BOMB}\n${await readFile(path.join(lab, 'lab.yaml'), 'utf8')}`);
    expect(await lintText()).toMatch(/lab\.yaml:1:1 too many aliases/);
    await cp(path.join(REAL_LAB, 'lab.yaml'), path.join(lab, 'lab.yaml'));
    await writeFile(path.join(dir, 'course.yaml'), `${ALIAS_BOMB}\n`);
    expect(await lintText()).toMatch(/course\.yaml:1:1 too many aliases/);
    await writeFile(path.join(dir, 'course.yaml'), 'id: demo\ntitle: Demo\nversion: 1.0.0\n');
    await writeFile(path.join(lab, 'selftest.yaml'), `${ALIAS_BOMB}\n`);
    expect(await lintText()).toMatch(/selftest\.yaml:1:1 too many aliases/);
  });

  it('reports a huge lab file, step text or self-test without reading it', async () => {
    // 700 MB, sparse: lint must refuse it by its size, as reading it would exhaust memory.
    await truncate(path.join(lab, 'introduction.md'), 700 * 1024 * 1024).catch(async () => {
      await writeFile(path.join(lab, 'introduction.md'), '');
      await truncate(path.join(lab, 'introduction.md'), 700 * 1024 * 1024);
    });
    await truncate(path.join(lab, 'selftest.yaml'), 5 * 1024 * 1024);
    const text = await lintText();
    expect(text).toMatch(/introduction file "introduction\.md" is refused: .*too large: the file has 734003200 bytes/);
    expect(text).toMatch(/selftest\.yaml:1:1 selftest\.yaml is too large/);
    await truncate(path.join(lab, 'lab.yaml'), 6 * 1024 * 1024);
    expect(await lintText()).toMatch(/lab\.yaml:1:1 .*too large/);
  });

  it('reports a CEL expression over the cost budget, and the engine refuses to run it', async () => {
    const nested = 'objects.all(a, objects.exists(b, objects.exists(c, a.metadata.name == c.metadata.name)))';
    const redos = 'object.metadata.name.matches("^(a+)+$")';
    const original = await readFile(path.join(lab, 'lab.yaml'), 'utf8');
    await writeFile(
      path.join(lab, 'lab.yaml'),
      original
        .replace(`'["master1", "worker1", "worker2"].all(n, objects.exists(o, o.metadata.name == n))'`, `'${nested}'`)
        .replace(`'object.status.conditions.exists(c, c.type == "Ready" && c.status == "True")'`, `'${redos}'`),
    );
    const text = await lintText();
    expect(text).toMatch(new RegExp(`lab\\.yaml:\\d+:\\d+ .*too costly to evaluate: about \\d+ steps, over the budget of ${CEL_COST_BUDGET}`));
    expect(text).toMatch(/lab\.yaml:\d+:\d+ .*"\^\(a\+\)\+\$" repeats a group that itself repeats/);

    expect(celCompileError(nested, 'objects')).toMatch(/too costly/);
    const started = performance.now();
    expect(() => celHolds(nested, 'objects', { objects: Array.from({ length: 300 }, (_, index) => ({ metadata: { name: `n${index}` } })) })).toThrow(/too costly/);
    expect(() => celHolds(redos, 'object', { object: { metadata: { name: `${'a'.repeat(40)}b` } } })).toThrow(/repeats a group/);
    expect(performance.now() - started).toBeLessThan(500);
    // The course's own expressions stay within the budget.
    await cp(path.join(REAL_LAB, 'lab.yaml'), path.join(lab, 'lab.yaml'));
    expect(await lintText()).toBe('');
  });
});
