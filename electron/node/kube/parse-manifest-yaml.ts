import { isMap, isScalar, parseAllDocuments, visit, YAMLParseError, type Document, type EmptyStream, type LineCounter } from 'yaml';

/**
 * parseAllDocuments for manifests, linear in the text. The yaml library's own duplicate-key check compares
 * every key with every earlier key of its map, so 40,000 keys took minutes on the backend's one event loop;
 * it is switched off and replaced by one pass with a Set per map, reporting the same error at the same place.
 */
export function parseManifestYaml(text: string, lineCounter: LineCounter): Document.Parsed[] | EmptyStream {
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if ('empty' in documents) return documents;
  for (const document of documents) {
    if (document.errors.length > 0 || document.contents === null) continue;
    visit(document, {
      Map(_key, map) {
        if (!isMap(map)) return;
        const seen = new Set<unknown>();
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue;
          const key = pair.key.value;
          if (seen.has(key)) {
            const range = pair.key.range ?? [0, 0];
            document.errors.push(new YAMLParseError([range[0], range[1]], 'DUPLICATE_KEY', 'Map keys must be unique'));
          }
          seen.add(key);
        }
      },
    });
  }
  return documents;
}
