import type { ManifestProblem } from '../../common/api/cluster.ts';
import type { JsonSchema } from './kube-schema.ts';
import type { ManifestDocument } from './manifest-documents.ts';

type SchemaNode = Record<string, unknown>;

/**
 * Finds fields that the object's kind does not have (`contianers`, `lables`). The API server's typed
 * client would silently drop them, so the attendee would apply something other than what they wrote;
 * `kubectl apply` reports them too (strict field validation). Only kinds the schema knows are checked.
 */
export function unknownFieldProblems(document: ManifestDocument, schema: JsonSchema): ManifestProblem[] {
  const definitions = (schema.definitions ?? {}) as Record<string, SchemaNode>;
  const root = rootDefinition(schema, document.object.apiVersion, document.object.kind);
  if (!root) return [];
  const problems: ManifestProblem[] = [];
  const resolve = (node: SchemaNode | undefined): SchemaNode | undefined => {
    let current = node;
    for (let depth = 0; current && typeof current.$ref === 'string' && depth < 20; depth++) {
      current = definitions[current.$ref.replace('#/definitions/', '')];
    }
    return current;
  };
  const visit = (value: unknown, node: SchemaNode | undefined, path: (string | number)[]): void => {
    const resolved = resolve(node);
    if (!resolved || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      const items = resolved.items as SchemaNode | undefined;
      value.forEach((item, index) => visit(item, items, [...path, index]));
      return;
    }
    const properties = resolved.properties as Record<string, SchemaNode> | undefined;
    const additional = resolved.additionalProperties;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const known = properties?.[key];
      if (known) {
        visit(child, known, [...path, key]);
      } else if (typeof additional === 'object' && additional !== null) {
        visit(child, additional as SchemaNode, [...path, key]);
      } else if (additional === false && properties) {
        const where = [...path, key];
        const position = document.positionOf(where) ?? { line: document.line, column: 1 };
        const suggestion = closest(key, Object.keys(properties));
        problems.push({
          ...position,
          message: `${document.object.kind} has no field "${displayPath(where)}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
          source: 'schema',
        });
      }
    }
  };
  visit(document.object, root, []);
  return problems;
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
