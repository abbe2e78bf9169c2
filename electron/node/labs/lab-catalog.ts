import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LabdeckError } from '../../common/errors.ts';
import { readCourseFile } from './course-paths.ts';
import { loadLabFolder, LAB_FILE_NAME, type LoadedLab, type LoadedStep } from './lab-folder.ts';
import { CourseFileSchema, type CourseFile } from '../course-format/lab-schema.ts';
import { formatProblem, YamlSource, type LabProblem } from './yaml-source.ts';

export type { LoadedLab, LoadedStep } from './lab-folder.ts';

export const COURSE_FILE_NAME = 'course.yaml';

/** Orders lab ids numerically (1.2 before 1.10). */
export function compareLabIds(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** Sub-folders of dir that hold a lab.yaml, sorted by name. */
export async function listLabFolders(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new LabdeckError('not-found', `The labs folder ${dir} cannot be read (${(error as Error).message}).`, {
      action: 'Point Labdeck at the folder that holds labs/<id>-<slug>/lab.yaml.',
      cause: error,
    });
  }
  const folders: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const labFile = path.join(dir, entry.name, LAB_FILE_NAME);
    const exists = await readFile(labFile).then(
      () => true,
      () => false,
    );
    if (exists) folders.push(entry.name);
  }
  return folders.sort();
}

/** Reads labs/course.yaml; without one, the course is named after its folder. */
export async function loadCourse(dir: string, displayDir: string = dir): Promise<{ course: CourseFile; problems: LabProblem[]; hasFile: boolean }> {
  const fallback: CourseFile = { id: path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9-]+/g, '-') || 'course', title: 'Labdeck course' };
  const shownFile = path.join(displayDir, COURSE_FILE_NAME);
  const read = await readCourseFile(dir, path.join(dir, COURSE_FILE_NAME));
  if (!read.ok && read.reason === 'missing') return { course: fallback, problems: [], hasFile: false };
  if (!read.ok && read.reason === 'too-large') return { course: fallback, problems: [{ file: shownFile, line: 1, column: 1, message: read.message }], hasFile: true };
  if (!read.ok) return { course: fallback, problems: [{ file: shownFile, line: 1, column: 1, message: `${read.message}; course.yaml must be a file of the course folder` }], hasFile: true };
  const source = YamlSource.parse(shownFile, read.text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { course: fallback, problems: syntax, hasFile: true };
  const parsed = CourseFileSchema.safeParse(source.toJS());
  if (!parsed.success) return { course: fallback, problems: source.schemaProblems(parsed.error.issues), hasFile: true };
  return { course: parsed.data, problems: [], hasFile: true };
}

/**
 * The course's labs, read once from disk and validated. Loading fails as a whole when any lab is broken, with
 * every problem as file:line:col, because a half-loaded course would show attendees steps that cannot pass.
 */
export class LabCatalog {
  readonly dir: string;
  readonly course: CourseFile;
  readonly #labs: LoadedLab[];
  readonly #byId: Map<string, LoadedLab>;

  private constructor(dir: string, course: CourseFile, labs: LoadedLab[]) {
    this.dir = dir;
    this.course = course;
    this.#labs = [...labs].sort((a, b) => compareLabIds(a.file.id, b.file.id));
    this.#byId = new Map(this.#labs.map((lab) => [lab.file.id, lab]));
  }

  static async load(dir: string): Promise<LabCatalog> {
    const root = path.resolve(dir);
    const { course, problems } = await loadCourse(root, dir);
    const labs: LoadedLab[] = [];
    for (const folder of await listLabFolders(root)) {
      const result = await loadLabFolder(path.join(root, folder), path.join(dir, folder), root);
      problems.push(...result.problems);
      if (result.lab) labs.push(result.lab);
    }
    const duplicate = labs.find((lab, index) => labs.findIndex((other) => other.file.id === lab.file.id) !== index);
    if (duplicate) problems.push({ file: path.join(dir, path.basename(duplicate.dir), LAB_FILE_NAME), line: 1, column: 1, message: `lab id ${duplicate.file.id} is used by more than one lab` });
    if (problems.length > 0) {
      throw new LabdeckError('internal', `The labs in ${dir} have ${problems.length} problem(s):\n${problems.map(formatProblem).join('\n')}`, {
        action: `Run \`labdeck lint ${dir}\` and fix what it reports.`,
        details: { problems },
      });
    }
    if (labs.length === 0) {
      throw new LabdeckError('not-found', `No labs found in ${dir}.`, { action: 'Each lab lives in <dir>/<id>-<slug>/lab.yaml.' });
    }
    return new LabCatalog(root, course, labs);
  }

  /** The course id progress is saved under. */
  get courseId(): string {
    return this.course.id;
  }

  get title(): string {
    return this.course.title;
  }

  /** All labs in course order (by id). */
  labs(): LoadedLab[] {
    return [...this.#labs];
  }

  lab(id: string): LoadedLab | undefined {
    return this.#byId.get(id);
  }

  step(labId: string, stepId: string): LoadedStep | undefined {
    return this.#byId.get(labId)?.steps.find((step) => step.spec.id === stepId);
  }

  /** Like lab(), for callers answering a request: an unknown id is the caller's mistake. */
  requireLab(id: string): LoadedLab {
    const lab = this.lab(id);
    if (!lab) throw new LabdeckError('not-found', `There is no lab ${id} in this course.`, { action: `Pick one of: ${this.#labs.map((l) => l.file.id).join(', ')}.` });
    return lab;
  }

  requireStep(labId: string, stepId: string): LoadedStep {
    const step = this.requireLab(labId).steps.find((candidate) => candidate.spec.id === stepId);
    if (!step) throw new LabdeckError('not-found', `Lab ${labId} has no step "${stepId}".`, { action: 'Reload the lab list; the course may have changed.' });
    return step;
  }
}
