import { isMap, isNode, LineCounter, type Document, type EmptyStream, type Node as YamlNode } from 'yaml';
import type { ManifestProblem } from '../../common/api/cluster.ts';
import { manifestValue, parseManifestYaml } from './parse-manifest-yaml.ts';
import { yamlSyntaxProblems } from './yaml-syntax-problems.ts';
import { hasKind, isBuiltInApiVersion, schemaKinds, validateKindObject, type SchemaError } from './schema-validator.ts';

/**
 * Validates Kubernetes manifests (one or many YAML documents) without a cluster: YAML syntax first, then each
 * document against the schema of its apiVersion/kind in resources/schemas/kubernetes.schema.json (generated at
 * build time from `kubernetes-models`' declarations; see schema-validator.ts). Every
 * problem points at the line and column of the offending YAML node, so the editor can underline it and lint
 * can print file:line:col.
 *
 * Kinds the bundled schemas do not know: when the apiVersion belongs to a built-in API group (v1, apps/v1,
 * networking.k8s.io/v1...) an unknown kind is almost certainly a typo and is reported; any other group is
 * treated as a custom resource and passes through unvalidated, because only the live API server knows its
 * CRD schema (apply's dry run reports those problems).
 *
 * A misspelt field name (`contianers`) is not reported here (cluster/unknown-fields.ts does that, with a
 * suggestion); a missing required field is (a container without `name`, a Deployment without `selector`).
 */

type ValidationError = SchemaError;

/**
 * Whether apiVersion/kind names a built-in Kubernetes type: true or false for built-in API groups,
 * undefined for other groups (custom resources, which only the live API server knows).
 */
export function isKnownKind(apiVersion: string, kind: string): boolean | undefined {
  if (hasKind(apiVersion, kind)) return true;
  return isBuiltInApiVersion(apiVersion) ? false : undefined;
}

/** The kinds this module can validate, e.g. "apps/v1/Deployment". */
export function knownKinds(): string[] {
  return schemaKinds().sort();
}

function problemAt(lineCounter: LineCounter, range: readonly [number, number, ...number[]] | undefined, message: string, source: ManifestProblem['source']): ManifestProblem {
  const start = lineCounter.linePos(range?.[0] ?? 0);
  const end = lineCounter.linePos(range?.[1] ?? range?.[0] ?? 0);
  return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col, message, source };
}

/** JSON pointer segments (/spec/containers/0) -> YAML path keys, numbers for sequence indexes. */
function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^[0-9]+$/.test(segment) ? Number(segment) : segment));
}

/** spec.containers[0].ports[0].containerPort */
function displayPath(path: (string | number)[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? key : `${text}.${key}`), '');
}

/** The YAML node at path, or its deepest existing ancestor (the document itself at worst). */
function nodeFor(document: Document, path: (string | number)[]): YamlNode | undefined {
  for (let length = path.length; length > 0; length--) {
    const node = document.getIn(path.slice(0, length), true);
    if (isNode(node)) return node;
  }
  return isNode(document.contents) ? document.contents : undefined;
}

/** The key node of the last path element, so "missing field" and "wrong type" point at the field name's line. */
function keyNodeFor(document: Document, path: (string | number)[]): YamlNode | undefined {
  const last = path.at(-1);
  if (typeof last !== 'string') return undefined;
  const parent = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isNode(item.key) && (item.key as unknown as { value?: unknown }).value === last);
  return pair && isNode(pair.key) ? pair.key : undefined;
}

function describeError(error: ValidationError, path: (string | number)[], document: Document): string {
  const where = displayPath(path) || 'the document';
  const observed = path.length > 0 ? document.getIn(path) : undefined;
  switch (error.keyword) {
    case 'required':
      return `${where} is missing the required field "${String(error.params.missingProperty)}"`;
    case 'type':
      return `${where} must be of type ${String(error.params.type)}${isScalarValue(observed) ? `, found ${JSON.stringify(observed)}` : ''}`;
    case 'enum':
      return `${where} must be one of ${(error.params.allowedValues as unknown[] | undefined)?.map((v) => JSON.stringify(v)).join(', ') ?? 'the allowed values'}`;
    default:
      return `${where} ${error.message ?? `fails the ${error.keyword} rule`}`;
  }
}

function isScalarValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function validateDocument(document: Document.Parsed, lineCounter: LineCounter): ManifestProblem[] {
  const contents = document.contents;
  const value = manifestValue(document);
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    return [problemAt(lineCounter, contents?.range ?? undefined, 'a manifest document must be a mapping with apiVersion, kind and metadata', 'schema')];
  }
  const object = value as Record<string, unknown>;
  const missing = ['apiVersion', 'kind'].filter((field) => typeof object[field] !== 'string' || object[field] === '');
  if (missing.length > 0) {
    return [problemAt(lineCounter, contents?.range ?? undefined, `the document needs ${missing.join(' and ')} (for example apiVersion: v1, kind: Pod)`, 'schema')];
  }
  const apiVersion = object.apiVersion as string;
  const kind = object.kind as string;
  const errors = validateKindObject(apiVersion, kind, object);
  if (!errors) {
    if (!isBuiltInApiVersion(apiVersion)) return [];
    const kinds = knownKinds()
      .filter((key) => key.startsWith(`${apiVersion}/`) && key.split('/').length === apiVersion.split('/').length + 1)
      .map((key) => key.split('/').at(-1));
    const node = keyNodeFor(document, ['kind']) ? document.getIn(['kind'], true) : contents;
    return [problemAt(lineCounter, isNode(node) ? node.range ?? undefined : undefined, `${apiVersion} has no kind "${kind}"; it offers ${kinds.join(', ')}`, 'schema')];
  }
  const seen = new Set<string>();
  const problems: ManifestProblem[] = [];
  for (const error of errors) {
    const path = pointerToPath(error.instancePath);
    const message = describeError(error, path, document);
    if (seen.has(message)) continue;
    seen.add(message);
    const node = error.keyword === 'required' ? (keyNodeFor(document, path) ?? nodeFor(document, path)) : nodeFor(document, path);
    problems.push(problemAt(lineCounter, node?.range ?? undefined, message, 'schema'));
  }
  return problems;
}

/** Parses and validates every document of a manifest; an empty array means it looks right. */
export function validateManifestText(text: string): ManifestProblem[] {
  const lineCounter = new LineCounter();
  return validateParsedManifest(parseManifestYaml(text, lineCounter), lineCounter, text);
}

/** validateManifestText on an already parsed manifest, so callers that need the documents too parse once. */
export function validateParsedManifest(documents: Document.Parsed[] | EmptyStream, lineCounter: LineCounter, text: string): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  if ('empty' in documents) {
    // Nothing but comments or whitespace: nothing to validate, only stream-level syntax errors to report.
    return yamlSyntaxProblems(documents.errors, lineCounter, text);
  }
  for (const document of documents) {
    if (document.errors.length > 0) {
      problems.push(...yamlSyntaxProblems(document.errors, lineCounter, text));
      continue;
    }
    problems.push(...validateDocument(document, lineCounter));
  }
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}
