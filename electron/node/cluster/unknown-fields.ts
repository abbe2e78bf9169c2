import type { ManifestProblem } from '../../common/api/cluster.ts';
import type { JsonSchema } from './kube-schema.ts';
import type { ManifestDocument } from './manifest-documents.ts';

type SchemaNode = Record<string, unknown>;

/**
 * At most this many unknown fields are reported one by one (each needs a position lookup in the YAML tree,
 * which is linear in the size of the map holding the key); the rest are counted in one closing problem.
 * Keeps the walk linear in the size of the manifest, whatever it holds.
 */
const maxReported = 50;
/** Field names longer than this get no "did you mean": no Kubernetes field is anywhere near it. */
const maxSuggestLength = 64;
/** Unknown names are quoted up to this length in messages. */
const maxQuotedLength = 120;

/** The path to a node, as a parent chain: building it costs O(1) per step, not a copy of the whole path. */
interface PathLink {
  parent: PathLink | null;
  key: string | number;
}

function pathOf(link: PathLink | null): (string | number)[] {
  const path: (string | number)[] = [];
  for (let current = link; current; current = current.parent) path.push(current.key);
  return path.reverse();
}

/**
 * Finds fields that the object's kind does not have (`contianers`, `lables`). The API server's typed
 * client would silently drop them, so the attendee would apply something other than what they wrote;
 * `kubectl apply` reports them too (strict field validation). Only kinds the schema knows are checked.
 * Linear in the size of the object: each value is visited once, paths are shared parent chains, and only
 * the first `maxReported` findings are located in the text.
 */
export function unknownFieldProblems(document: ManifestDocument, schema: JsonSchema): ManifestProblem[] {
  const definitions = (schema.definitions ?? {}) as Record<string, SchemaNode>;
  const root = rootDefinition(schema, document.object.apiVersion, document.object.kind);
  if (!root) return [];
  const problems: ManifestProblem[] = [];
  let unknownCount = 0;
  const resolve = (node: SchemaNode | undefined): SchemaNode | undefined => {
    let current = node;
    for (let depth = 0; current && typeof current.$ref === 'string' && depth < 20; depth++) {
      current = definitions[current.$ref.replace('#/definitions/', '')];
    }
    return current;
  };
  // An explicit stack instead of recursion: deeply nested input cannot overflow the call stack.
  const stack: { value: unknown; node: SchemaNode | undefined; path: PathLink | null }[] = [{ value: document.object, node: root, path: null }];
  while (stack.length > 0) {
    const { value, node, path } = stack.pop()!;
    const resolved = resolve(node);
    if (!resolved || value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      const items = resolved.items as SchemaNode | undefined;
      for (let index = value.length - 1; index >= 0; index--) stack.push({ value: value[index], node: items, path: { parent: path, key: index } });
      continue;
    }
    const properties = resolved.properties as Record<string, SchemaNode> | undefined;
    const additional = resolved.additionalProperties;
    const children: typeof stack = [];
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const known = properties && Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (known) {
        children.push({ value: child, node: known, path: { parent: path, key } });
      } else if (typeof additional === 'object' && additional !== null) {
        children.push({ value: child, node: additional as SchemaNode, path: { parent: path, key } });
      } else if (additional === false && properties) {
        unknownCount += 1;
        if (unknownCount > maxReported) continue;
        const where = pathOf({ parent: path, key });
        const position = document.positionOf(where) ?? { line: document.line, column: 1 };
        const suggestion = key.length <= maxSuggestLength ? closest(key, Object.keys(properties)) : undefined;
        problems.push({
          ...position,
          message: `${document.object.kind} has no field "${quoted(displayPath(where))}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
          source: 'schema',
        });
      }
    }
    // Pushed in reverse so fields are reported in the order they were written.
    for (let index = children.length - 1; index >= 0; index--) stack.push(children[index]!);
  }
  if (unknownCount > maxReported) {
    problems.push({
      line: document.line,
      column: 1,
      message: `${document.object.kind} "${quoted(document.object.metadata.name)}" has ${unknownCount} unknown fields; only the first ${maxReported} are listed. Check the apiVersion and kind, and the indentation.`,
      source: 'schema',
    });
  }
  return problems;
}

function quoted(text: string): string {
  return text.length <= maxQuotedLength ? text : `${text.slice(0, maxQuotedLength)}… (${text.length} characters)`;
}

function rootDefinition(schema: JsonSchema, apiVersion: string, kind: string): SchemaNode | undefined {
  const branches = (schema.allOf ?? []) as { if?: { properties?: Record<string, { const?: string }> }; then?: SchemaNode }[];
  const branch = branches.find((candidate) => candidate.if?.properties?.apiVersion?.const === apiVersion && candidate.if?.properties?.kind?.const === kind);
  return branch?.then;
}

function displayPath(path: (string | number)[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? key : `${text}.${key}`), '');
}

/** The known field closest to a misspelt one (at most two edits apart), to suggest the fix. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    // The distance is at least the difference in length; skip the table for hopeless candidates.
    if (Math.abs(candidate.length - word.length) > 2) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters counts as one edit. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
