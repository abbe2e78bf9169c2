import { isMap, isNode, isScalar, isSeq, LineCounter, type Document, type Node as YamlNode } from 'yaml';
import type { ManifestProblem } from '../../common/api/cluster.ts';
import { parseManifestYaml } from '../kube/parse-manifest-yaml.ts';
import { yamlSyntaxProblems } from '../kube/yaml-syntax-problems.ts';

/** One Kubernetes object of a manifest, with what is needed to point back into the text the user edited. */
export interface ManifestDocument {
  /** 0-based position among the manifest's non-empty documents. */
  index: number;
  object: ManifestObject;
  /** 1-based line of the document's `metadata.name` (or `kind:`, or its first line). */
  line: number;
  /** 1-based line of a field given as a Kubernetes field path (`spec.containers[0].image`), or null. */
  lineOf(fieldPath: string): number | null;
  /** 1-based line and column of the key (or item) at an exact path, or null when the text lacks it. */
  positionOf(path: (string | number)[]): { line: number; column: number } | null;
}

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Splits a manifest into its objects. Call it only on text that validated cleanly: documents that are
 * empty are skipped, and anything that is not an object with apiVersion, kind and metadata.name is
 * reported as a problem instead of an object.
 */
export function readManifestDocuments(text: string): { documents: ManifestDocument[]; problems: ManifestProblem[] } {
  const lineCounter = new LineCounter();
  const parsed = parseManifestYaml(text, lineCounter);
  if ('empty' in parsed) return { documents: [], problems: [] };
  const documents: ManifestDocument[] = [];
  const problems: ManifestProblem[] = [];
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;

  for (const document of parsed) {
    const firstLine = lineAt(document.contents?.range?.[0] ?? document.range[0]);
    if (document.errors.length > 0) {
      problems.push(...yamlSyntaxProblems(document.errors, lineCounter, text));
      continue;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    const object = asManifestObject(value);
    if (!object) {
      problems.push({ line: firstLine, column: 1, message: 'Each document needs apiVersion, kind and metadata.name.', source: 'schema' });
      continue;
    }
    const positionOf = (path: (string | number)[]): { line: number; column: number } | null => {
      const node = document.getIn(path, true);
      const keyNode = keyNodeOf(document, path);
      const target = keyNode ?? (isNode(node) ? node : undefined);
      if (!target?.range) return null;
      const position = lineCounter.linePos(target.range[0]);
      return { line: position.line, column: position.col };
    };
    const lineOfPath = (path: (string | number)[]): number | null => positionOf(path)?.line ?? null;
    const nameProblem = invalidNameProblem(object, positionOf);
    if (nameProblem) {
      problems.push(nameProblem);
      continue;
    }
    documents.push({
      index: documents.length,
      object,
      line: lineOfPath(['metadata', 'name']) ?? lineOfPath(['kind']) ?? firstLine,
      positionOf,
      lineOf: (fieldPath) => {
        const path = resolveKeyedEntries(document, parseFieldPath(fieldPath));
        // The API server names the deepest field; when the user's text lacks it, point at its nearest ancestor.
        for (let length = path.length; length > 0; length--) {
          const line = lineOfPath(path.slice(0, length));
          if (line !== null) return line;
        }
        return null;
      },
    });
  }
  return { documents, problems };
}

/** RFC 1123 subdomain: what the API server requires of metadata.name for the kinds the labs use. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 1123 label: what a namespace name must be. */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Names are checked here, before anything is sent: the client library lower-cases the request path, so the
 * API server would answer an upper-case name with a confusing "does not match the name on the URL" instead
 * of saying what is wrong with it.
 */
function invalidNameProblem(object: ManifestObject, positionOf: (path: (string | number)[]) => { line: number; column: number } | null): ManifestProblem | null {
  const rules: Array<{ path: string[]; value: unknown; pattern: RegExp; max: number; what: string }> = [
    { path: ['metadata', 'name'], value: object.metadata.name, pattern: object.kind === 'Namespace' ? NAMESPACE_NAME : OBJECT_NAME, max: object.kind === 'Namespace' ? 63 : 253, what: `${object.kind} name` },
    { path: ['metadata', 'namespace'], value: object.metadata.namespace, pattern: NAMESPACE_NAME, max: 63, what: 'namespace' },
  ];
  for (const rule of rules) {
    if (rule.value === undefined) continue;
    const value = String(rule.value);
    if (value.length <= rule.max && rule.pattern.test(value)) continue;
    const position = positionOf(rule.path) ?? { line: 1, column: 1 };
    return {
      line: position.line,
      column: position.column,
      message: `${rule.path.join('.')}: "${value}" is not a valid ${rule.what}: use at most ${rule.max} lower-case letters, digits and '-'${rule.pattern === OBJECT_NAME ? " (or '.')" : ''}, starting and ending with a letter or digit (RFC 1123), e.g. "${suggestName(value)}".`,
      source: 'schema',
    };
  }
  return null;
}

function suggestName(value: string): string {
  const suggestion = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return suggestion || 'my-object';
}

/** Turns list entries named by key (`name="web"`) into indexes, as far as the document has them. */
function resolveKeyedEntries(document: Document, path: (string | number)[]): (string | number)[] {
  const resolved: (string | number)[] = [];
  for (const segment of path) {
    const keyed = typeof segment === 'string' ? /^([^=]+)="?([^"]*)"?$/.exec(segment) : null;
    const parent = resolved.length === 0 ? document.contents : document.getIn(resolved, true);
    if (keyed && isSeq(parent)) {
      const index = parent.items.findIndex((item) => isMap(item) && String(item.get(keyed[1])) === keyed[2]);
      if (index === -1) break;
      resolved.push(index);
    } else {
      resolved.push(segment);
    }
  }
  return resolved;
}

function asManifestObject(value: unknown): ManifestObject | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const metadata = record.metadata as Record<string, unknown> | undefined;
  if (typeof record.apiVersion !== 'string' || typeof record.kind !== 'string') return null;
  if (typeof metadata !== 'object' || metadata === null || typeof metadata.name !== 'string' || metadata.name === '') return null;
  return record as ManifestObject;
}

function keyNodeOf(document: Document, path: (string | number)[]): YamlNode | undefined {
  const last = path.at(-1);
  if (typeof last !== 'string') return undefined;
  const parent = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
  return pair && isNode(pair.key) ? pair.key : undefined;
}

/**
 * `spec.containers[0].image` -> ['spec', 'containers', 0, 'image']. The API server also writes list
 * entries by key (`spec.containers[name="web"]`); those are left as strings and resolved by the caller's
 * ancestor fallback.
 */
export function parseFieldPath(fieldPath: string): (string | number)[] {
  const path: (string | number)[] = [];
  for (const match of fieldPath.matchAll(/([^.[\]]+)|\[(\d+)\]|\[([^\]]*)\]/g)) {
    if (match[1] !== undefined) path.push(match[1]);
    else if (match[2] !== undefined) path.push(Number(match[2]));
    else if (match[3] !== undefined) path.push(match[3]);
  }
  return path;
}
