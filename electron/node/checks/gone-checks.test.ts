import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { isGoneCheck } from './gone-checks.ts';

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

describe('isGoneCheck on the course in labs/', () => {
  it('tells "is gone" checks (objects an earlier step created) from guards (objects nobody asked for)', async () => {
    const catalog = await LabCatalog.load(LABS);
    const absent = catalog.labs().flatMap((lab) =>
      lab.file.steps.flatMap((step) => step.checks.flatMap((check) => (check.kind === 'resource' && check.absent && !check.context ? [{ lab: lab.file.id, step: step.id, check }] : []))),
    );
    const gone = new Set(absent.filter(({ lab, step, check }) => isGoneCheck(catalog, lab, step, check)).map(({ check }) => check.id));
    const guards = absent.map(({ check }) => check.id).filter((id) => !gone.has(id));
    // Deleting what the course had the attendee create needs a witness; "must not exist" guards do not.
    for (const id of ['nginx-gone', 'deployment-gone', 'mypod-gone']) if (absent.some(({ check }) => check.id === id)) expect(gone).toContain(id);
    for (const id of ['mypod-not-in-default', 'no-range-test-service']) if (absent.some(({ check }) => check.id === id)) expect(guards).toContain(id);
    expect(gone.size).toBeGreaterThan(0);
  });
});
