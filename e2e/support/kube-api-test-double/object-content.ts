/** Plain-data helpers the test double uses on stored objects and request bodies. */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value at a path of keys, or undefined where the path leaves the object. */
export function fieldAt(object: unknown, ...keys: Array<string | number>): unknown {
  let cursor = object;
  for (const key of keys) cursor = cursor !== null && typeof cursor === 'object' ? (cursor as Record<string | number, unknown>)[key] : undefined;
  return cursor;
}

/** Applied configuration merges into the live object: maps merge, lists and scalars replace. */
export function mergeApplied(live: unknown, applied: unknown): unknown {
  if (!isPlainObject(applied)) return structuredClone(applied);
  const result: Record<string, unknown> = isPlainObject(live) ? { ...live } : {};
  for (const [key, value] of Object.entries(applied)) {
    if (value === null) delete result[key];
    else result[key] = mergeApplied(result[key], value);
  }
  return result;
}

/** JSON with sorted keys, so equal objects compare equal whatever order their fields were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
