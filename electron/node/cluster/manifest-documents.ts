import { LineCounter, type Document, type EmptyStream } from 'yaml';
import type { ManifestProblem } from '../../common/api/cluster.ts';
import { manifestValue, parseManifestYaml } from '../kube/parse-manifest-yaml.ts';
import { yamlSyntaxProblems } from '../kube/yaml-syntax-problems.ts';
import { buildPositionTable, positionIn, type PositionTable } from './manifest-positions.ts';

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
 * One object of a manifest as plain data (no YAML tree, no functions): what a worker thread can hand back
 * to the event loop by structured clone or transfer. manifestDocument() turns it into a ManifestDocument.
 */
export interface ManifestDocumentData {
  index: number;
  object: ManifestObject;
  line: number;
  positions: PositionTable;
}

/**
 * Splits a manifest into its objects. Call it only on text that validated cleanly: documents that are
 * empty are skipped, and anything that is not an object with apiVersion, kind and metadata.name is
 * reported as a problem instead of an object.
 */
export function readManifestDocuments(text: string): { documents: ManifestDocument[]; problems: ManifestProblem[] } {
  const lineCounter = new LineCounter();
  const { documents, problems } = documentsFromParsed(parseManifestYaml(text, lineCounter), lineCounter, text);
  return { documents: documents.map(manifestDocument), problems };
}

/** readManifestDocuments on an already parsed manifest, so validation and this share one parse. */
export function documentsFromParsed(parsed: Document.Parsed[] | EmptyStream, lineCounter: LineCounter, text: string): { documents: ManifestDocumentData[]; problems: ManifestProblem[] } {
  if ('empty' in parsed) return { documents: [], problems: [] };
  const documents: ManifestDocumentData[] = [];
  const problems: ManifestProblem[] = [];
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;

  for (const document of parsed) {
    const firstLine = lineAt(document.contents?.range?.[0] ?? document.range[0]);
    if (document.errors.length > 0) {
      problems.push(...yamlSyntaxProblems(document.errors, lineCounter, text));
      continue;
    }
    const value = manifestValue(document);
    if (value === null || value === undefined) continue;
    const object = asManifestObject(value);
    if (!object) {
      problems.push({ line: firstLine, column: 1, message: 'Each document needs apiVersion, kind and metadata.name.', source: 'schema' });
      continue;
    }
    const positions = buildPositionTable(document, lineCounter);
    const positionOf = (path: (string | number)[]) => positionIn(positions, path);
    const nameProblem = invalidNameProblem(object, positionOf);
    if (nameProblem) {
      problems.push(nameProblem);
      continue;
    }
    const line = positionOf(['metadata', 'name'])?.line ?? positionOf(['kind'])?.line ?? firstLine;
    documents.push({ index: documents.length, object, line, positions });
  }
  return { documents, problems };
}

/** The ManifestDocument of plain document data, wherever it was parsed. */
export function manifestDocument(data: ManifestDocumentData): ManifestDocument {
  const positionOf = (path: (string | number)[]) => positionIn(data.positions, path);
  return {
    index: data.index,
    object: data.object,
    line: data.line,
    positionOf,
    lineOf: (fieldPath) => {
      const path = resolveKeyedEntries(data.object, parseFieldPath(fieldPath));
      // The API server names the deepest field; when the user's text lacks it, point at its nearest ancestor.
      for (let length = path.length; length > 0; length--) {
        const line = positionOf(path.slice(0, length))?.line;
        if (line !== undefined) return line;
      }
      return null;
    },
  };
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

/** Turns list entries named by key (`name="web"`) into indexes, as far as the object has them. */
function resolveKeyedEntries(object: ManifestObject, path: (string | number)[]): (string | number)[] {
  const resolved: (string | number)[] = [];
  let value: unknown = object;
  for (const segment of path) {
    const keyed = typeof segment === 'string' ? /^([^=]+)="?([^"]*)"?$/.exec(segment) : null;
    if (keyed && Array.isArray(value)) {
      const [, key = '', wanted] = keyed;
      const index = value.findIndex((item) => isRecord(item) && String(Object.hasOwn(item, key) ? item[key] : undefined) === wanted);
      if (index === -1) break;
      resolved.push(index);
      value = value[index];
    } else {
      resolved.push(segment);
      value = isRecord(value) && Object.hasOwn(value, segment) ? value[segment] : undefined;
    }
  }
  return resolved;
}

function isRecord(value: unknown): value is Record<string | number, unknown> {
  return typeof value === 'object' && value !== null;
}

function asManifestObject(value: unknown): ManifestObject | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const metadata = record.metadata as Record<string, unknown> | undefined;
  if (typeof record.apiVersion !== 'string' || typeof record.kind !== 'string') return null;
  if (typeof metadata !== 'object' || metadata === null || typeof metadata.name !== 'string' || metadata.name === '') return null;
  return record as ManifestObject;
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
