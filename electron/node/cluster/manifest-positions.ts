import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node as YamlNode } from 'yaml';

/**
 * Where every node of one YAML document sits in the text, as plain data: an Int32Array (transferable, so a
 * worker hands it over without copying) and the map keys as strings. The YAML tree itself cannot leave the
 * thread that parsed it, and re-parsing a manifest of up to 1 MB to point an API server error at its line
 * would block the backend's event loop for as long as the first parse did.
 *
 * Nodes are numbered in document order; node 0 is the document's root. Per node, STRIDE numbers:
 * kind, first child, next sibling (-1 when none), the value's line and column, the key's line and column
 * (0 when there is none: sequence items, the root, a value without position).
 */
export interface PositionTable {
  table: Int32Array;
  /** Per node: its key in the parent map as a string, or null (sequence items, the root, non-scalar keys). */
  keys: (string | null)[];
}

export const STRIDE = 7;
const KIND = 0;
const FIRST = 1;
const NEXT = 2;
const LINE = 3;
const COLUMN = 4;
const KEY_LINE = 5;
const KEY_COLUMN = 6;

const LEAF = 0;
const MAP = 1;
const SEQ = 2;

/** Linear in the document: one visit per node, an explicit stack so deep nesting cannot overflow the call stack. */
export function buildPositionTable(document: Document, lineCounter: LineCounter): PositionTable {
  const rows: number[] = [];
  const keys: (string | null)[] = [];
  const root = document.contents;
  if (!isNode(root)) return { table: new Int32Array(0), keys };

  const add = (node: unknown, key: YamlNode | null, keyText: string | null): number => {
    const index = keys.length;
    const value = isNode(node) && node.range ? lineCounter.linePos(node.range[0]) : null;
    const keyAt = key?.range ? lineCounter.linePos(key.range[0]) : null;
    rows.push(isMap(node) ? MAP : isSeq(node) ? SEQ : LEAF, -1, -1, value?.line ?? 0, value?.col ?? 0, keyAt?.line ?? 0, keyAt?.col ?? 0);
    keys.push(keyText);
    return index;
  };

  const stack: { node: unknown; index: number }[] = [{ node: root, index: add(root, null, null) }];
  while (stack.length > 0) {
    const { node, index } = stack.pop()!;
    let previous = -1;
    const link = (child: number) => {
      rows[(previous === -1 ? index : previous) * STRIDE + (previous === -1 ? FIRST : NEXT)] = child;
      previous = child;
    };
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isNode(pair.key) ? pair.key : null;
        const keyText = isScalar(pair.key) && pair.key.value !== null && typeof pair.key.value !== 'object' ? String(pair.key.value) : null;
        const child = add(pair.value, key, keyText);
        link(child);
        stack.push({ node: pair.value, index: child });
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        const child = add(item, null, null);
        link(child);
        stack.push({ node: item, index: child });
      }
    }
  }
  return { table: Int32Array.from(rows), keys };
}

/**
 * Line and column of the key (or, for sequence items and the root, the value) at an exact path, or null when
 * the text lacks it, like `document.getIn(path, true)` on the YAML tree. Tables may come from another
 * thread, so every index is bounds-checked and every walk is bounded by the table's size.
 */
export function positionIn(positions: PositionTable, path: readonly (string | number)[]): { line: number; column: number } | null {
  const { table, keys } = positions;
  const count = Math.min(keys.length, Math.floor(table.length / STRIDE));
  if (count === 0) return null;
  let node = 0;
  for (const segment of path) {
    const kind = table[node * STRIDE + KIND];
    const wantKey = kind === MAP ? String(segment) : null;
    const wantIndex = kind === SEQ ? (typeof segment === 'number' ? segment : /^[0-9]+$/.test(segment) ? Number(segment) : -1) : -1;
    if (wantKey === null && wantIndex < 0) return null;
    let child = table[node * STRIDE + FIRST] ?? -1;
    let found = -1;
    for (let position = 0; child >= 0 && child < count && position < count; position++) {
      if (wantKey !== null ? keys[child] === wantKey : position === wantIndex) {
        found = child;
        break;
      }
      child = table[child * STRIDE + NEXT] ?? -1;
    }
    if (found === -1) return null;
    node = found;
  }
  const base = node * STRIDE;
  const keyLine = table[base + KEY_LINE] ?? 0;
  if (typeof path.at(-1) === 'string' && keyLine > 0) return { line: keyLine, column: table[base + KEY_COLUMN] ?? 1 };
  const line = table[base + LINE] ?? 0;
  return line > 0 ? { line, column: table[base + COLUMN] ?? 1 } : null;
}
