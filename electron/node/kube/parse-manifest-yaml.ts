import { isAlias, isMap, isNode, isScalar, parseAllDocuments, visit, YAMLParseError, type Document, type EmptyStream, type LineCounter } from 'yaml';

/**
 * parseAllDocuments for manifests, linear in the text. The yaml library's own duplicate-key check compares
 * every key with every earlier key of its map, so 40,000 keys took minutes on the backend's one event loop;
 * it is switched off and replaced by one pass with a Set per map, reporting the same error at the same place.
 * The same pass reports aliases whose anchor is not defined before them, which toJS() would throw on.
 */
export function parseManifestYaml(text: string, lineCounter: LineCounter): Document.Parsed[] | EmptyStream {
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if ('empty' in documents) return documents;
  for (const document of documents) addStructuralErrors(document);
  return documents;
}

const values = new WeakMap<Document.Parsed, unknown>();

/**
 * document.toJS(), computed once per parsed document: validation and the split into objects both need it,
 * and on a 1 MB manifest each conversion costs tens of milliseconds. Callers must not modify the result.
 */
export function manifestValue(document: Document.Parsed): unknown {
  if (values.has(document)) return values.get(document);
  const value: unknown = document.toJS();
  values.set(document, value);
  return value;
}

/**
 * Adds, in one linear pass, the errors the yaml library would find slowly (duplicate keys, with
 * `uniqueKeys: false` at parse time) or only later by throwing from toJS() (aliases to undefined anchors).
 * Documents that already have errors are left as they are.
 */
export function addStructuralErrors(document: Document.Parsed): void {
  if (document.errors.length > 0 || document.contents === null) return;
  // Anchors seen so far in document order: an alias to an anchor not (yet) defined would make toJS()
  // throw later; it is reported here as the YAML error it is. One pass, unlike Alias.resolve per alias.
  const anchors = new Set<string>();
  // One visitor function for every node: with separate Node and Map visitors, yaml calls only Map for maps.
  visit(document, (_key, node) => {
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        const range = node.range ?? [0, 0];
        document.errors.push(new YAMLParseError([range[0], range[1]], 'BAD_ALIAS', `Unresolved alias *${node.source.slice(0, 60)}: define the anchor &${node.source.slice(0, 60)} before using it`));
      }
      return;
    }
    if (isNode(node) && typeof node.anchor === 'string' && node.anchor !== '') anchors.add(node.anchor);
    if (!isMap(node)) return;
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = pair.key.value;
      if (seen.has(key)) {
        const range = pair.key.range ?? [0, 0];
        document.errors.push(new YAMLParseError([range[0], range[1]], 'DUPLICATE_KEY', 'Map keys must be unique'));
      }
      seen.add(key);
    }
  });
}
