import path from 'node:path';
import { readCourseFile } from './course-paths.ts';
import { LabFileSchema, type LabFile, type LabStep } from '../course-format/lab-schema.ts';
import { renderLabText, unknownVariableMessage } from './lab-text-variables.ts';
import { YamlSource, type LabProblem, type YamlPath } from './yaml-source.ts';

/** One step with the Markdown and manifest files it names already read. */
export interface LoadedStep {
  spec: LabStep;
  instructions: string;
  solution: string;
  /** Manifest snippet files by their path relative to the lab folder. */
  manifests: ReadonlyMap<string, string>;
}

/** A lab folder read and validated: the parsed lab file plus the text of every file it references. */
export interface LoadedLab {
  /** Absolute path of the lab folder. */
  dir: string;
  /** Absolute path of its lab.yaml. */
  labFile: string;
  file: LabFile;
  introduction: string;
  steps: LoadedStep[];
}

export interface LabFolderResult {
  lab: LoadedLab | undefined;
  problems: LabProblem[];
  /** The parsed lab.yaml, for callers that locate further problems in it (lint). */
  source: YamlSource | undefined;
}

export const LAB_FILE_NAME = 'lab.yaml';

/**
 * Reads labs/<id>-<slug>/lab.yaml, validates it against LabFileSchema and reads every file it references.
 * Never throws for content mistakes: they come back as problems located in lab.yaml (file:line:col).
 * `displayDir` is how file names are printed (relative paths read better in lint output). Every file is read
 * only when its real path stays inside `courseRoot` (course-paths.ts): a symlink out of the course is a problem.
 */
export async function loadLabFolder(labDir: string, displayDir: string = labDir, courseRoot: string = path.dirname(labDir)): Promise<LabFolderResult> {
  const labFile = path.join(labDir, LAB_FILE_NAME);
  const shownFile = path.join(displayDir, LAB_FILE_NAME);
  const labRead = await readCourseFile(courseRoot, labFile);
  if (!labRead.ok) {
    const message =
      labRead.reason === 'outside' ? `${labRead.message}; lab files must be inside the course folder` : labRead.reason === 'too-large' ? labRead.message : `missing ${LAB_FILE_NAME}`;
    return { lab: undefined, source: undefined, problems: [{ file: shownFile, line: 1, column: 1, message }] };
  }
  const source = YamlSource.parse(shownFile, labRead.text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { lab: undefined, source, problems: syntax };

  const parsed = LabFileSchema.safeParse(source.toJS());
  if (!parsed.success) return { lab: undefined, source, problems: source.schemaProblems(parsed.error.issues) };
  const file = parsed.data;

  const problems: LabProblem[] = [];
  const referenced = async (relative: string, at: YamlPath, what: string): Promise<string> => {
    const read = await readCourseFile(courseRoot, path.join(labDir, relative));
    if (read.ok) return read.text;
    const message =
      read.reason === 'outside'
        ? `${what} file "${relative}" is refused: ${read.message}. Copy the file into the course instead of linking to it`
        : read.reason === 'too-large'
          ? `${what} file "${relative}" is refused: ${read.message}`
          : `${what} file "${relative}" does not exist in ${displayDir}`;
    problems.push(source.problemAt(at, message));
    return '';
  };

  // Markdown is where lab variables ({{ kubernetesVersion }}) are filled in: the one place both the app and
  // `labdeck lint` read it, so an unknown name is a lint problem and never reaches an attendee as braces.
  const markdown = async (relative: string, at: YamlPath, what: string): Promise<string> => {
    const rendered = renderLabText(await referenced(relative, at, what));
    for (const unknown of rendered.unknown) {
      problems.push({ file: path.join(displayDir, relative), line: unknown.line, column: unknown.column, message: unknownVariableMessage(unknown.name) });
    }
    return rendered.text;
  };

  const introduction = await markdown(file.introduction, ['introduction'], 'introduction');
  const steps: LoadedStep[] = [];
  for (const [index, spec] of file.steps.entries()) {
    const at = ['steps', index] as const;
    const instructions = await markdown(spec.instructions, [...at, 'instructions'], 'instructions');
    const solution = await markdown(spec.solution, [...at, 'solution'], 'solution');
    const manifests = new Map<string, string>();
    for (const [snippetIndex, snippet] of spec.snippets.entries()) {
      if (snippet.kind !== 'manifest') continue;
      manifests.set(snippet.file, await referenced(snippet.file, [...at, 'snippets', snippetIndex, 'file'], 'manifest'));
    }
    steps.push({ spec, instructions, solution, manifests });
  }

  return { lab: { dir: labDir, labFile, file, introduction, steps }, source, problems };
}
