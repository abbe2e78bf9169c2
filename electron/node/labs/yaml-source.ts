import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { addStructuralErrors } from '../kube/parse-manifest-yaml.ts';
import { MAX_COURSE_FILE_BYTES } from './course-paths.ts';

/** How often one course YAML file may expand an alias (the yaml package's own default, made explicit). */
export const MAX_YAML_ALIASES = 100;

/** A problem in a lab's files, located so editors and terminals can jump to it (1-based line and column). */
export interface LabProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export function formatProblem(problem: LabProblem): string {
  return `${problem.file}:${problem.line}:${problem.column} ${problem.message}`;
}

export type YamlPath = ReadonlyArray<string | number>;

/**
 * A YAML file parsed once with its concrete syntax tree kept, so any value read from it (or any schema issue
 * about it) can be traced back to a line and column.
 */
export class YamlSource {
  readonly file: string;
  readonly text: string;
  readonly document: Document;
  readonly #lineCounter: LineCounter;

  readonly #refused: string | undefined;

  private constructor(file: string, text: string, refused?: string) {
    this.#refused = refused;
    this.file = file;
    this.text = text;
    this.#lineCounter = new LineCounter();
    // Duplicate keys and undefined aliases are found in one linear pass (parse-manifest-yaml.ts): the
    // library's own key check is quadratic, and an undefined alias would otherwise throw from toJS().
    const document = parseDocument(text, { lineCounter: this.#lineCounter, prettyErrors: false, uniqueKeys: false });
    addStructuralErrors(document);
    this.document = document;
  }

  static parse(file: string, text: string): YamlSource {
    // Too big to be a course file: not parsed at all (the reads stop earlier, course-paths.ts; this catches any other caller).
    if (text.length > MAX_COURSE_FILE_BYTES) return new YamlSource(file, '', `the file has ${text.length} characters; course files may have at most ${MAX_COURSE_FILE_BYTES}`);
    return new YamlSource(file, text);
  }

  /** Syntax errors (and duplicate keys) of the file, and a value too costly to build (an alias bomb). */
  syntaxProblems(): LabProblem[] {
    const problems = this.document.errors.map((error) => this.problemAtOffset(error.pos[0], error.message.split('\n')[0] ?? error.message));
    if (this.#refused) return [{ file: this.file, line: 1, column: 1, message: this.#refused }];
    if (problems.length > 0) return problems;
    const value = this.#value();
    return value.ok ? [] : [value.problem];
  }

  /**
   * The file's value. Aliases are expanded at most MAX_YAML_ALIASES times (the `yaml` package's maxAliasCount):
   * "a: &a [x, x]; b: &b [*a, *a]; …" grows exponentially, and is a lint finding rather than a crash.
   * Call syntaxProblems() first: with a problem there, this throws.
   */
  toJS(): unknown {
    const value = this.#value();
    if (!value.ok) throw new Error(value.problem.message);
    return value.value;
  }

  #converted: { ok: true; value: unknown } | { ok: false; problem: LabProblem } | undefined;

  #value(): { ok: true; value: unknown } | { ok: false; problem: LabProblem } {
    if (this.#converted) return this.#converted;
    try {
      this.#converted = { ok: true, value: this.document.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      // The yaml package's messages: "Excessive alias count indicates a resource exhaustion attack", or an unresolved alias.
      const message = /excessive alias count/i.test(error.message)
        ? `too many aliases: the file expands YAML aliases (*name) more than ${MAX_YAML_ALIASES} times, like an alias bomb; write the values out`
        : `YAML alias problem: ${error.message}`;
      this.#converted = { ok: false, problem: { file: this.file, line: 1, column: 1, message } };
    }
    return this.#converted;
  }

  problemAtOffset(offset: number, message: string): LabProblem {
    const { line, col } = this.#lineCounter.linePos(offset);
    return { file: this.file, line, column: col, message };
  }

  /**
   * Where the value at path is written; for a path that does not exist, where its nearest existing parent is
   * written. With `key: true` it points at the mapping key instead of the value (unknown-field problems).
   */
  problemAt(path: YamlPath, message: string, options: { key?: boolean } = {}): LabProblem {
    return this.problemAtOffset(this.offsetOf(path, options.key ?? false), message);
  }

  offsetOf(path: YamlPath, key: boolean): number {
    if (key && path.length > 0) {
      const parent = path.length === 1 ? this.document.contents : this.document.getIn(path.slice(0, -1), true);
      const last = path.at(-1);
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
        if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
      }
    }
    for (let length = path.length; length > 0; length--) {
      const node: unknown = this.document.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) return node.range[0];
    }
    const root: YamlNode | null = this.document.contents;
    return root?.range?.[0] ?? 0;
  }

  /** Schema issues, each at the position of the value it is about. */
  schemaProblems(issues: readonly z.core.$ZodIssue[], prefix: YamlPath = []): LabProblem[] {
    const problems: LabProblem[] = [];
    for (const issue of issues) {
      const path = [...prefix, ...issue.path.filter((key): key is string | number => typeof key !== 'symbol')];
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        // Report the branch that came closest (fewest issues) rather than a bare "Invalid input".
        const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
        problems.push(...this.schemaProblems(closest, path));
        continue;
      }
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push(this.problemAt([...path, key], `${describePath([...path, key])}: unknown field "${key}"`, { key: true }));
        continue;
      }
      if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
        problems.push(this.problemAt(path, `${describePath(path)}: required field is missing (${issue.expected})`));
        continue;
      }
      problems.push(this.problemAt(path, `${describePath(path)}: ${issue.message}`));
    }
    return problems;
  }
}

/** steps[0].checks[1].that */
export function describePath(path: YamlPath): string {
  if (path.length === 0) return '(file)';
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? key : `${text}.${key}`), '');
}
