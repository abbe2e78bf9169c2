import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LabdeckError } from '../../common/errors.ts';
import { createCatalogHandlers } from './catalog-handlers.ts';
import { readCourseFile } from './course-paths.ts';
import { LabCatalog } from './lab-catalog.ts';
import { lintLabs } from './lint.ts';
import { formatProblem } from './yaml-source.ts';

const REAL_LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs/1.1-kubectl-kubeconfig');
const LAB = '1.1-kubectl-kubeconfig';

let work: string;
let course: string;
let secret: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'labdeck-containment-'));
  course = path.join(work, 'course');
  await cp(REAL_LAB, path.join(course, LAB), { recursive: true });
  await writeFile(path.join(course, 'course.yaml'), 'id: demo\ntitle: Demo\nversion: 1.0.0\n');
  // Stands in for /etc/passwd: a file the user can read that is not part of the course.
  secret = path.join(work, 'secret.txt');
  await writeFile(secret, 'root:x:0:0:SECRET\n');
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function loadError(): Promise<LabdeckError> {
  const error = await LabCatalog.load(course).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LabdeckError);
  return error as LabdeckError;
}

describe('lab files stay inside the course folder', () => {
  it('refuses a step file that is a symlink out of the course, in the loader and in lint', async () => {
    const instructions = path.join(course, LAB, 'steps/get-nodes.md');
    await rm(instructions);
    await symlink(secret, instructions);

    const error = await loadError();
    expect(error.message).toMatch(/instructions file "steps\/get-nodes.md" is refused: .*leaves the course folder through a symlink/);
    expect(error.message).not.toContain('SECRET');

    const report = await lintLabs(course);
    const lines = report.problems.map(formatProblem);
    expect(lines.some((line) => /lab\.yaml:\d+:\d+ instructions file "steps\/get-nodes.md" is refused/.test(line))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/steps\/get-nodes\.md:1:1 symlink to ".*secret\.txt" leaves the course folder/));
  });

  it('refuses lab.yaml and course.yaml that are symlinks out of the course', async () => {
    const outsideLab = path.join(work, 'lab.yaml');
    await cp(path.join(course, LAB, 'lab.yaml'), outsideLab);
    await rm(path.join(course, LAB, 'lab.yaml'));
    await symlink(outsideLab, path.join(course, LAB, 'lab.yaml'));
    await rm(path.join(course, 'course.yaml'));
    await symlink(secret, path.join(course, 'course.yaml'));

    const error = await loadError();
    expect(error.message).toMatch(/lab\.yaml:1:1 .*lab\.yaml leaves the course folder through a symlink/);
    expect(error.message).toMatch(/course\.yaml:1:1 course\.yaml leaves the course folder through a symlink/);
  });

  it('reports a symlink no lab names yet (a pack would carry it), and one that points nowhere', async () => {
    await symlink(secret, path.join(course, LAB, 'notes.txt'));
    await symlink(path.join(work, 'gone'), path.join(course, 'dangling'));
    const lines = (await lintLabs(course)).problems.map(formatProblem);
    expect(lines).toContainEqual(expect.stringMatching(/notes\.txt:1:1 symlink to .* leaves the course folder/));
    expect(lines).toContainEqual(expect.stringMatching(/dangling:1:1 symlink to .* points nowhere/));
  });

  it('accepts a symlink to another file of the same course, and serves its text', async () => {
    const shared = path.join(course, 'shared.md');
    await writeFile(shared, '# Shared instructions\n');
    const instructions = path.join(course, LAB, 'steps/get-nodes.md');
    await rm(instructions);
    await symlink(path.relative(path.dirname(instructions), shared), instructions);

    const handlers = createCatalogHandlers(await LabCatalog.load(course));
    const view = await handlers['labs.get']({ labId: '1.1' }, { clientId: 'test' });
    expect(view.steps[0]?.instructions).toBe('# Shared instructions\n');
    expect((await lintLabs(course)).problems.filter((problem) => problem.message.includes('symlink'))).toEqual([]);
  });

  it('refuses a lab path with .. in lab.yaml (schema) and in readCourseFile itself', async () => {
    const labFile = path.join(course, LAB, 'lab.yaml');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(labFile, 'utf8');
    await writeFile(labFile, text.replace('introduction: introduction.md', 'introduction: ../../secret.txt'));
    expect((await loadError()).message).toMatch(/introduction: paths are relative to the lab folder and stay inside it/);
    expect(await readCourseFile(course, path.join(course, '..', 'secret.txt'))).toEqual({ ok: false, reason: 'outside', message: '../secret.txt is outside the course folder' });
  });
});
