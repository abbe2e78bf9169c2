/**
 * Generates resources/schemas/kubernetes.schema.json, the YAML editor's schema when no cluster is reachable,
 * from the type declarations of the `kubernetes-models` packages (which are generated from Kubernetes'
 * OpenAPI document and carry its descriptions). Run: `npx tsx electron/build/generate-kube-schema.ts`.
 * No network: everything comes from node_modules.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { kindDispatchSchema } from '../node/cluster/kube-schema.ts';

const root = path.resolve(import.meta.dirname, '../..');
const packages = [path.join(root, 'node_modules/kubernetes-models'), path.join(root, 'node_modules/@kubernetes-models/apimachinery')];
const output = path.join(root, 'resources/schemas/kubernetes.schema.json');
/** Descriptions are shown on hover; the first sentences are what helps while typing. */
const MAX_DESCRIPTION = 400;

function declarationFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === '_schemas' || entry === 'node_modules') continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) files.push(...declarationFiles(full));
    else if (entry.endsWith('.d.ts') && entry !== 'index.d.ts') files.push(full);
  }
  return files;
}

const files = packages.flatMap(declarationFiles);
const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, moduleResolution: ts.ModuleResolutionKind.Node10, noEmit: true });
const checker = program.getTypeChecker();

/** `${file}#IContainer` -> `IoK8sApiCoreV1Container`, from each file's `export { IContainer as IIoK8sApiCoreV1Container }`. */
const longNames = new Map<string, string>();
const interfaces: { name: string; declaration: ts.InterfaceDeclaration }[] = [];
for (const file of files) {
  const source = program.getSourceFile(file);
  if (!source) continue;
  const local = new Map<string, ts.InterfaceDeclaration>();
  ts.forEachChild(source, (node) => {
    if (ts.isInterfaceDeclaration(node)) local.set(node.name.text, node);
  });
  ts.forEachChild(source, (node) => {
    if (!ts.isExportDeclaration(node) || !node.exportClause || !ts.isNamedExports(node.exportClause)) return;
    for (const element of node.exportClause.elements) {
      const localName = (element.propertyName ?? element.name).text;
      const declaration = local.get(localName);
      if (!declaration || !element.name.text.startsWith('IIoK8s')) continue;
      const name = element.name.text.slice(1);
      longNames.set(`${source.fileName}#${localName}`, name);
      interfaces.push({ name, declaration });
    }
  });
}

function describe(symbol: ts.Symbol): string | undefined {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  if (!text) return undefined;
  const paragraph = text.split(/\n\s*\n/)[0] ?? text;
  return paragraph.length > MAX_DESCRIPTION ? `${paragraph.slice(0, MAX_DESCRIPTION - 1)}…` : paragraph;
}

function refFor(type: ts.Type): string | undefined {
  const declaration = type.getSymbol()?.declarations?.find(ts.isInterfaceDeclaration);
  if (!declaration) return undefined;
  return longNames.get(`${declaration.getSourceFile().fileName}#${declaration.name.text}`);
}

type Schema = Record<string, unknown>;

function schemaOf(type: ts.Type): Schema {
  if (type.flags & ts.TypeFlags.String) return { type: 'string' };
  if (type.flags & ts.TypeFlags.Number) return { type: 'number' };
  if (type.flags & ts.TypeFlags.Boolean) return { type: 'boolean' };
  if (type.isStringLiteral()) return { type: 'string', enum: [type.value] };
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
  if (type.isUnion()) {
    const members = type.types.filter((member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    if (members.every((member) => member.isStringLiteral())) {
      return { type: 'string', enum: members.map((member) => (member as ts.StringLiteralType).value) };
    }
    if (members.every((member) => member.flags & ts.TypeFlags.BooleanLiteral)) return { type: 'boolean' };
    if (members.length === 1 && members[0]) return schemaOf(members[0]);
    return { anyOf: members.map(schemaOf) };
  }
  if (checker.isArrayType(type)) {
    const [item] = checker.getTypeArguments(type as ts.TypeReference);
    return { type: 'array', items: item ? schemaOf(item) : {} };
  }
  const ref = refFor(type);
  if (ref) return { $ref: `#/definitions/${ref}` };
  const index = checker.getIndexTypeOfType(type, ts.IndexKind.String);
  if (index && checker.getPropertiesOfType(type).length === 0) return { type: 'object', additionalProperties: schemaOf(index) };
  if (type.flags & ts.TypeFlags.Object) return objectSchema(type);
  return {};
}

function objectSchema(type: ts.Type): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const property of checker.getPropertiesOfType(type)) {
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    if (!declaration) continue;
    const propertyType = checker.getTypeOfSymbolAtLocation(property, declaration);
    const description = describe(property);
    properties[property.name] = { ...schemaOf(propertyType), ...(description ? { description } : {}) };
    if (!(property.flags & ts.SymbolFlags.Optional)) required.push(property.name);
  }
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    // Unknown fields are typos in built-in kinds; flag them like `kubectl apply` does.
    additionalProperties: false,
  };
}

const definitions: Record<string, Schema> = {};
const kinds: { apiVersion: string; kind: string; ref: string }[] = [];
for (const { name, declaration } of interfaces) {
  const type = checker.getTypeAtLocation(declaration);
  const description = declaration.name.getText() ? describe(checker.getSymbolAtLocation(declaration.name) ?? type.getSymbol()!) : undefined;
  definitions[name] = { ...objectSchema(type), ...(description ? { description } : {}) };
  const apiVersion = type.getProperty('apiVersion');
  const kind = type.getProperty('kind');
  const hasMetadata = type.getProperty('metadata') !== undefined;
  if (!apiVersion || !kind || !hasMetadata) continue;
  const apiVersionType = checker.getTypeOfSymbolAtLocation(apiVersion, declaration);
  const kindType = checker.getTypeOfSymbolAtLocation(kind, declaration);
  if (apiVersionType.isStringLiteral() && kindType.isStringLiteral() && !kindType.value.endsWith('List')) {
    kinds.push({ apiVersion: apiVersionType.value, kind: kindType.value, ref: `#/definitions/${name}` });
  }
}

const schema = kindDispatchSchema(kinds, definitions);
writeFileSync(output, `${JSON.stringify(schema)}\n`);
console.log(`${path.relative(root, output)}: ${kinds.length} kinds, ${Object.keys(definitions).length} definitions`);
