import { readTextBounded } from './course-paths.ts';
import path from 'node:path';
import { LabdeckError } from '../../common/errors.ts';
import type { Assertion, CheckSpec, ObjectSelector } from '../course-format/check-spec.ts';
import { commandMatchers } from '../checks/evaluate-command.ts';
import { referenceProblem, referenceValues } from '../checks/command-references.ts';
import { labRegexError } from '../checks/lab-regex.ts';
import { isKnownKind, validateManifestText } from '../kube/manifest-validation.ts';
import { COURSE_FILE_NAME, compareLabIds, listLabFolders, loadCourse } from './lab-catalog.ts';
import { celCompileError, parseObjectReferences, parseTemplate, type CelContext } from './lab-expressions.ts';
import { loadLabFolder, type LoadedLab } from './lab-folder.ts';
import { lintStepEvidence } from './lint-evidence.ts';
import { lintContainment } from './lint-containment.ts';
import { lintHomeFileNames } from './lint-home-files.ts';
import { loadSelftest, SELFTEST_FILE_NAME } from '../course-format/selftest-schema.ts';
import { YamlSource, type LabProblem, type YamlPath } from './yaml-source.ts';

export interface LintReport {
  problems: LabProblem[];
  labs: number;
  steps: number;
  checks: number;
}

/** Reports a problem at a path of lab.yaml. */
type Report = (at: YamlPath, message: string) => void;

function lintAssertions(assertions: readonly Assertion[], context: CelContext, at: YamlPath, report: Report): void {
  for (const [index, assertion] of assertions.entries()) {
    const compileError = celCompileError(assertion.that, context);
    if (compileError) report([...at, index, 'that'], `CEL does not compile: ${compileError}`);
    for (const part of parseTemplate(assertion.message)) {
      if (!part.expression) continue;
      const templateError = part.text === '' ? 'empty {{ }}' : celCompileError(part.text, context);
      if (templateError) report([...at, index, 'message'], `{{ ${part.text} }} does not compile: ${templateError}`);
    }
  }
}

function lintRegex(pattern: string | undefined, at: YamlPath, report: Report): void {
  if (pattern === undefined) return;
  const problem = labRegexError(pattern);
  if (problem) report(at, `not a valid regular expression: ${problem}`);
}

/** `${kind:namespace/name}.path` and `${pod-dns:namespace/name}` values of a command matcher must be well formed. */
function lintCommandHosts(check: Extract<CheckSpec, { kind: 'command' }>, at: YamlPath, report: Report): void {
  commandMatchers(check).forEach((matcher, index) => {
    const where = Array.isArray(check.command) ? [...at, 'command', index] : [...at, 'command'];
    for (const value of referenceValues(matcher)) {
      const problem = referenceProblem(value);
      if (problem) report(where, `${value}: ${problem}`);
    }
  });
}

/** A selector for a kind that does not exist would never match anything: report it instead. */
function lintSelector(selector: ObjectSelector, at: YamlPath, report: Report): void {
  if (isKnownKind(selector.apiVersion, selector.kind) === false) {
    report([...at, 'kind'], `${selector.apiVersion} has no kind "${selector.kind}"`);
  }
}

function lintCheck(check: CheckSpec, at: YamlPath, report: Report): void {
  switch (check.kind) {
    case 'resource':
      lintSelector(check.select, [...at, 'select'], report);
      lintAssertions(check.assert, 'object', [...at, 'assert'], report);
      lintAssertions(check.assertAll, 'objects', [...at, 'assertAll'], report);
      if (check.absent && (check.assert.length > 0 || check.assertAll.length > 0)) report(at, 'an absent check passes when nothing matches; its assertions would never run');
      if (!check.absent && check.assert.length === 0 && check.assertAll.length === 0) report(at, 'a resource check needs assert or assertAll (or absent: true)');
      break;
    case 'command':
      lintRegex(check.pattern, [...at, 'pattern'], report);
      lintCommandHosts(check, at, report);
      break;
    case 'probe':
      for (const [index, argument] of check.command.entries()) {
        try {
          parseObjectReferences(argument);
        } catch (error) {
          report([...at, 'command', index], (error as Error).message);
        }
      }
      lintRegex(check.expect.outputMatches, [...at, 'expect', 'outputMatches'], report);
      lintAssertions(check.expect.assert, 'probe', [...at, 'expect', 'assert'], report);
      if (check.expect.exitCode === undefined && check.expect.outputMatches === undefined && check.expect.assert.length === 0) {
        report([...at, 'expect'], 'a probe needs an expectation: exitCode, outputMatches or assert');
      }
      break;
    case 'http':
      lintRegex(check.bodyMatches, [...at, 'bodyMatches'], report);
      break;
  }
}

function duplicates(values: readonly string[]): Set<string> {
  return new Set(values.filter((value, index) => values.indexOf(value) !== index));
}

/** Everything the schema cannot say: ids, cross references, CEL, regexes, manifests. */
function lintLoadedLab(lab: LoadedLab, source: YamlSource, displayDir: string, labIds: ReadonlySet<string>): LabProblem[] {
  const problems: LabProblem[] = [];
  const report: Report = (at, message) => problems.push(source.problemAt(at, message));
  const { file } = lab;

  const expectedFolder = `${file.id}-${file.slug}`;
  if (path.basename(lab.dir) !== expectedFolder) report(['slug'], `the lab folder must be named ${expectedFolder} (id-slug), not ${path.basename(lab.dir)}`);
  for (const [index, required] of file.requires.entries()) {
    if (!labIds.has(required)) report(['requires', index], `requires lab ${required}, which is not in this course`);
    else if (compareLabIds(required, file.id) >= 0) report(['requires', index], `a lab can only require earlier labs (${required} is not before ${file.id})`);
  }

  const stepIds = file.steps.map((step) => step.id);
  const duplicateSteps = duplicates(stepIds);
  for (const [stepIndex, loaded] of lab.steps.entries()) {
    const step = loaded.spec;
    const at = ['steps', stepIndex] as const;
    if (duplicateSteps.has(step.id)) report([...at, 'id'], `step id "${step.id}" is used more than once in this lab`);

    const checkIds = step.checks.map((check) => check.id);
    const duplicateChecks = duplicates(checkIds);
    for (const [checkIndex, check] of step.checks.entries()) {
      const checkAt = [...at, 'checks', checkIndex] as const;
      if (duplicateChecks.has(check.id)) report([...checkAt, 'id'], `check id "${check.id}" is used more than once in step ${step.id}`);
      lintCheck(check, checkAt, report);
    }
    for (const problem of lintStepEvidence(step)) report([...at, ...problem.at], problem.message);

    for (const [cleanupIndex, selector] of step.cleanup.entries()) lintSelector(selector, [...at, 'cleanup', cleanupIndex], report);

    const duplicateSnippets = duplicates(step.snippets.map((snippet) => snippet.id));
    for (const [snippetIndex, snippet] of step.snippets.entries()) {
      if (duplicateSnippets.has(snippet.id)) report([...at, 'snippets', snippetIndex, 'id'], `snippet id "${snippet.id}" is used more than once in step ${step.id}`);
    }

    for (const [hintIndex, hint] of step.hints.entries()) {
      if (hint.forCheck !== undefined && !checkIds.includes(hint.forCheck)) {
        report([...at, 'hints', hintIndex, 'forCheck'], `forCheck names "${hint.forCheck}", which is not a check of step ${step.id} (checks: ${checkIds.join(', ')})`);
      }
    }

    for (const [file, text] of loaded.manifests) {
      for (const problem of validateManifestText(text)) {
        problems.push({ file: path.join(displayDir, file), line: problem.line, column: problem.column, message: problem.message });
      }
    }
  }
  return problems;
}

/** The self-test must parse and talk about steps and checks that exist. */
async function lintSelftest(lab: LoadedLab, displayDir: string): Promise<LabProblem[]> {
  const shown = path.join(displayDir, SELFTEST_FILE_NAME);
  let selftest;
  try {
    selftest = await loadSelftest(lab.dir);
  } catch (error) {
    const problems = error instanceof LabdeckError ? (error.details as { problems?: LabProblem[] } | undefined)?.problems : undefined;
    if (problems) return problems.map((problem) => ({ ...problem, file: shown }));
    throw error;
  }
  if (!selftest) return [{ file: shown, line: 1, column: 1, message: `missing ${SELFTEST_FILE_NAME}: every step needs a before state, a solution state and its distractors` }];
  // Parsed again only to locate problems; loadSelftest has already validated it.
  const source = YamlSource.parse(shown, await readTextBounded(selftest.file));
  const problems: LabProblem[] = [];
  const report = (at: YamlPath, message: string): void => {
    problems.push(source.problemAt(at, message));
  };
  const covered = new Set(selftest.steps.map((entry) => entry.step));
  const labCheckIds = new Set(lab.file.steps.flatMap((step) => step.checks.map((check) => check.id)));
  for (const step of lab.file.steps) {
    if (!covered.has(step.id)) report(['steps'], `step ${step.id} has no self-test entry`);
  }
  for (const [index, entry] of selftest.steps.entries()) {
    const at = ['steps', index] as const;
    const step = lab.file.steps.find((candidate) => candidate.id === entry.step);
    if (!step) {
      report([...at, 'step'], `self-test entry for step "${entry.step}", which lab ${lab.file.id} does not have`);
      continue;
    }
    const checkIds = new Set(step.checks.map((check) => check.id));
    const unknown = (id: string): string => `step ${entry.step} has no check "${id}" (checks: ${[...checkIds].join(', ')})`;
    for (const [failingIndex, id] of (entry.before.failing ?? []).entries()) {
      if (!checkIds.has(id)) report([...at, 'before', 'failing', failingIndex], unknown(id));
    }
    for (const [distractorIndex, distractor] of entry.distractors.entries()) {
      for (const [expectIndex, expectation] of distractor.expect.entries()) {
        if (!checkIds.has(expectation.check)) report([...at, 'distractors', distractorIndex, 'expect', expectIndex, 'check'], unknown(expectation.check));
      }
    }
    // Probe records are inherited from world to world, so they may belong to any step of the lab.
    const recorded = [entry.before.world, entry.solution.world, ...entry.distractors.map((distractor) => distractor.world)].flatMap((world) => world.probes.map((probe) => probe.check));
    for (const id of new Set(recorded)) {
      if (!labCheckIds.has(id)) report([...at, 'step'], `a probe record of step ${entry.step} names check "${id}", which no step of lab ${lab.file.id} has`);
    }
  }
  return problems;
}

/**
 * Lints a course folder (labs/): course.yaml, every lab.yaml against the schema, the files it references,
 * CEL and regular expressions, object references, manifests against Kubernetes schemas, and self-tests.
 * `dir` is printed as given, so problems read as paths relative to where the command ran.
 */
export async function lintLabs(dir: string): Promise<LintReport> {
  const root = path.resolve(dir);
  const { course, problems, hasFile } = await loadCourse(root, dir);
  // Evidence is bound to the course version (issue 20): without one, "another course version" can never be told.
  if (hasFile && problems.length === 0 && course.version === undefined) {
    problems.push({ file: path.join(dir, COURSE_FILE_NAME), line: 1, column: 1, message: 'course.yaml has no version: add `version: 1.0.0` (journals and reports carry it, and graders refuse evidence of another version); raise it whenever checks change' });
  }
  problems.push(...(await lintContainment(dir)));
  let folders: string[];
  try {
    folders = await listLabFolders(root);
  } catch (error) {
    return { problems: [{ file: dir, line: 1, column: 1, message: (error as Error).message }], labs: 0, steps: 0, checks: 0 };
  }
  if (folders.length === 0) problems.push({ file: dir, line: 1, column: 1, message: 'no labs found (each lab is <dir>/<id>-<slug>/lab.yaml)' });

  const results = [];
  for (const folder of folders) {
    const displayDir = path.join(dir, folder);
    const result = await loadLabFolder(path.join(root, folder), displayDir);
    problems.push(...result.problems);
    results.push({ ...result, displayDir });
  }

  const idCounts = new Map<string, number>();
  for (const { lab } of results) if (lab) idCounts.set(lab.file.id, (idCounts.get(lab.file.id) ?? 0) + 1);
  const labIds = new Set(idCounts.keys());

  let steps = 0;
  let checks = 0;
  for (const { lab, source, displayDir } of results) {
    if (!lab || !source) continue;
    if ((idCounts.get(lab.file.id) ?? 0) > 1) problems.push(source.problemAt(['id'], `lab id ${lab.file.id} is used by more than one lab`));
    problems.push(...lintLoadedLab(lab, source, displayDir, labIds));
    problems.push(...(await lintSelftest(lab, displayDir)));
    steps += lab.steps.length;
    checks += lab.steps.reduce((sum, step) => sum + step.spec.checks.length, 0);
  }

  problems.push(...lintHomeFileNames(results.flatMap(({ lab, source }) => (lab && source ? [{ lab, source }] : []))));

  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { problems, labs: results.filter((result) => result.lab).length, steps, checks };
}
