import { bundledKubernetesSchema } from '../cluster/kube-schema.ts';

/**
 * Validates a Kubernetes object against resources/schemas/kubernetes.schema.json, the schema the build
 * generates for the editor (electron/build/generate-kube-schema.ts). It replaces the validators of the
 * `kubernetes-models` package, whose 1,774 modules took seconds to load in every process that could validate.
 *
 * Only the keywords the generated schema uses are implemented: type, required, enum, const, properties,
 * additionalProperties (as a schema for map values), items, anyOf and $ref. Errors have the shape of Ajv's
 * (instancePath, keyword, params) so manifest-validation.ts words them as before. Deliberate gaps:
 * - `additionalProperties: false` is not reported here: unknown fields are cluster/unknown-fields.ts's job,
 *   which points at the misspelt key and suggests the right one.
 * - null is accepted for any field, as the API server and kubernetes-models do.
 * - the schema is generated from TypeScript types, so int32 fields are "number": 1.5 replicas passes here
 *   and is refused by the API server's dry run.
 */

type Schema = {
  type?: string;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  $ref?: string;
};

export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

interface KindIndex {
  /** "apps/v1/Deployment" → its definition */
  kinds: Map<string, Schema>;
  builtInApiVersions: Set<string>;
  definitions: Record<string, Schema>;
}

let index: KindIndex | undefined;

/** The kinds of the bundled schema, read once from its `allOf: [{if: {apiVersion, kind}, then: {$ref}}]`. */
function kindIndex(): KindIndex {
  if (index) return index;
  const schema = bundledKubernetesSchema() as { allOf?: unknown[]; definitions?: Record<string, Schema> };
  const definitions = schema.definitions ?? {};
  const kinds = new Map<string, Schema>();
  for (const entry of schema.allOf ?? []) {
    const branch = entry as { if?: { properties?: { apiVersion?: { const?: unknown }; kind?: { const?: unknown } } }; then?: Schema };
    const apiVersion = branch.if?.properties?.apiVersion?.const;
    const kind = branch.if?.properties?.kind?.const;
    const definition = branch.then?.$ref ? resolve(definitions, branch.then.$ref) : undefined;
    if (typeof apiVersion === 'string' && typeof kind === 'string' && definition) kinds.set(`${apiVersion}/${kind}`, definition);
  }
  const builtInApiVersions = new Set([...kinds.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))));
  index = { kinds, builtInApiVersions, definitions };
  return index;
}

function resolve(definitions: Record<string, Schema>, ref: string): Schema | undefined {
  const prefix = '#/definitions/';
  return ref.startsWith(prefix) ? definitions[ref.slice(prefix.length)] : undefined;
}

/** "apps/v1/Deployment" for every kind the bundled schema describes (no List kinds). */
export function schemaKinds(): string[] {
  return [...kindIndex().kinds.keys()];
}

export function isBuiltInApiVersion(apiVersion: string): boolean {
  return kindIndex().builtInApiVersions.has(apiVersion);
}

export function hasKind(apiVersion: string, kind: string): boolean {
  return kindIndex().kinds.has(`${apiVersion}/${kind}`);
}

/** Every schema error of the object, or undefined when its kind is not in the schema. */
export function validateKindObject(apiVersion: string, kind: string, object: unknown): SchemaError[] | undefined {
  const { kinds, definitions } = kindIndex();
  const schema = kinds.get(`${apiVersion}/${kind}`);
  if (!schema) return undefined;
  const errors: SchemaError[] = [];
  check(schema, object, '', definitions, errors);
  return errors;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

function matchesType(type: string, value: unknown): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeOf(value) === type;
}

/** The simple types an anyOf of plain `{type}` schemas allows (int-or-string), else undefined. */
function anyOfTypes(schemas: Schema[]): string[] | undefined {
  const types = schemas.map((schema) => (Object.keys(schema).every((key) => key === 'type' || key === 'description') ? schema.type : undefined));
  return types.every((type): type is string => typeof type === 'string') ? types : undefined;
}

function pointerSegment(key: string | number): string {
  return `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

// Recursion follows the data, not the schema: every $ref step descends into a value of the object, so
// recursive definitions (JSONSchemaProps) end where the document does.
function check(schema: Schema, value: unknown, path: string, definitions: Record<string, Schema>, errors: SchemaError[]): void {
  if (schema.$ref) {
    const target = resolve(definitions, schema.$ref);
    if (target) check(target, value, path, definitions, errors);
    return;
  }
  if (value === null && path !== '') return;
  if (schema.anyOf) {
    const simple = anyOfTypes(schema.anyOf);
    if (simple) {
      if (!simple.some((type) => matchesType(type, value))) errors.push({ instancePath: path, keyword: 'type', params: { type: simple.join(' or ') } });
      return;
    }
    const attempts = schema.anyOf.map((branch) => {
      const branchErrors: SchemaError[] = [];
      check(branch, value, path, definitions, branchErrors);
      return branchErrors;
    });
    if (!attempts.some((attempt) => attempt.length === 0)) errors.push({ instancePath: path, keyword: 'anyOf', message: 'must match a schema in anyOf', params: {} });
    return;
  }
  if (schema.type && !matchesType(schema.type, value)) {
    errors.push({ instancePath: path, keyword: 'type', params: { type: schema.type } });
    return;
  }
  if (schema.const !== undefined && value !== schema.const) {
    errors.push({ instancePath: path, keyword: 'const', message: `must be ${JSON.stringify(schema.const)}`, params: { allowedValue: schema.const } });
  }
  if (schema.enum && !schema.enum.includes(value)) {
    errors.push({ instancePath: path, keyword: 'enum', params: { allowedValues: schema.enum } });
  }
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, position) => check(schema.items as Schema, item, path + pointerSegment(position), definitions, errors));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  for (const field of schema.required ?? []) {
    if (record[field] === undefined) errors.push({ instancePath: path, keyword: 'required', params: { missingProperty: field } });
  }
  const properties = schema.properties ?? {};
  const rest = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [key, child] of Object.entries(record)) {
    const childSchema = Object.hasOwn(properties, key) ? properties[key] : rest;
    if (childSchema && child !== undefined) check(childSchema, child, path + pointerSegment(key), definitions, errors);
  }
}
