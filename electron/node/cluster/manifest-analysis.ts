import { LineCounter } from 'yaml';
import type { ManifestProblem } from '../../common/api/cluster.ts';
import { validateParsedManifest } from '../kube/manifest-validation.ts';
import { parseManifestYaml } from '../kube/parse-manifest-yaml.ts';
import type { JsonSchema } from './kube-schema.ts';
import { documentsFromParsed, manifestDocument, type ManifestDocumentData } from './manifest-documents.ts';
import { unknownFieldProblems } from './unknown-fields.ts';

/** What cluster.validate reports and what apply, delete and diff send, from one parse of the text. */
export interface ManifestAnalysis {
  problems: ManifestProblem[];
  /** Empty whenever there are problems: nothing is sent from a manifest that has any. */
  documents: ManifestDocumentData[];
}

/**
 * More problems than this help nobody (the editor underlines a screenful) and would cost the event loop
 * time to check, copy and send; the rest are counted in one closing problem.
 */
export const maxProblems = 1_000;

/**
 * YAML syntax, each document against its kind's schema, names, then fields the kind does not have (against
 * `schema`: the live cluster's when it is known, else the bundled one). The YAML is parsed once; this is
 * the heavy part of every manifest call, which is why it may run in a worker thread (workers/).
 */
export function analyzeManifest(text: string, schema: JsonSchema): ManifestAnalysis {
  const lineCounter = new LineCounter();
  const parsed = parseManifestYaml(text, lineCounter);
  const syntaxAndSchema = validateParsedManifest(parsed, lineCounter, text);
  if (syntaxAndSchema.length > 0) return { problems: limitProblems(syntaxAndSchema), documents: [] };
  const { documents, problems } = documentsFromParsed(parsed, lineCounter, text);
  for (const document of documents) problems.push(...unknownFieldProblems(manifestDocument(document), schema));
  if (problems.length > 0) return { problems: limitProblems(problems.sort((a, b) => a.line - b.line || a.column - b.column)), documents: [] };
  return { problems: [], documents };
}

function limitProblems(problems: ManifestProblem[]): ManifestProblem[] {
  if (problems.length <= maxProblems) return problems;
  const shown = problems.slice(0, maxProblems - 1);
  const last = problems[maxProblems - 1]!;
  shown.push({ line: last.line, column: last.column, message: `…and ${problems.length - shown.length} more problems from here on; fix the ones above first.`, source: last.source });
  return shown;
}

/**
 * The last analysis, for the text the editor validated a moment ago and now applies or diffs: the same text
 * is not parsed again. One entry, compared by string equality (a memory compare, microseconds for 1 MB).
 */
export class LastAnalysis {
  #text: string | null = null;
  #schemaVersion = -1;
  #analysis: ManifestAnalysis | null = null;

  /** The analysis of `text` against `schema`; `parsed` is false when it is the last one, reused. */
  analyze(text: string, schema: { version: number; value: JsonSchema }): { analysis: ManifestAnalysis; parsed: boolean } {
    if (this.#analysis && this.#schemaVersion === schema.version && this.#text === text) return { analysis: this.#analysis, parsed: false };
    const analysis = analyzeManifest(text, schema.value);
    this.#text = text;
    this.#schemaVersion = schema.version;
    this.#analysis = analysis;
    return { analysis, parsed: true };
  }
}
