/**
 * How much input each call may carry, checked before the input's schema runs. Schemas bound single fields
 * (`yaml` up to 1 MB), but an input can still carry megabytes of extra keys or nesting that zod walks
 * before it refuses them, on the backend's one event loop. The walk here stops as soon as a bound is
 * passed, so refusing costs no more than the bound.
 */

/** Enough for every call made of ids, names, sizes and flags. */
export const defaultMaxInputBytes = 16 * 1024;
/** No legitimate input nests deeper than a few levels. */
export const maxInputDepth = 32;

const manifestInputBytes = 1_000_000 + 4 * 1024;
/** A course upload chunk: base64 of courseUploadChunkBytes (course.ts) plus the id and offset. */
const uploadChunkInputBytes = Math.ceil((768 * 1024) / 3) * 4 + 1024;

/** Calls that legitimately carry more: a manifest from the editor, a paste into a terminal. */
const largerInputs: Readonly<Record<string, number>> = {
  'cluster.apply': manifestInputBytes,
  'cluster.delete': manifestInputBytes,
  'cluster.diff': manifestInputBytes,
  'cluster.validate': manifestInputBytes,
  'terminal.input': 100_000 + 1024,
  'course.uploadChunk': uploadChunkInputBytes,
  // A class's reports read from a dropped folder (classroom.ts): at most 16 MB in one call.
  'classroom.grade': 16 * 1024 * 1024,
};

export function maxInputBytes(call: string): number {
  return Object.hasOwn(largerInputs, call) ? largerInputs[call]! : defaultMaxInputBytes;
}

export type InputSizeVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Measures an input roughly as its JSON text (string lengths in UTF-16 units, keys, punctuation), without
 * serializing it and without recursion (deep nesting cannot overflow the stack), stopping at the limit.
 */
export function checkInputSize(value: unknown, limit: number): InputSizeVerdict {
  let size = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (depth > maxInputDepth) return { ok: false, reason: `it nests deeper than ${maxInputDepth} levels` };
    if (typeof current === 'string') size += current.length + 2;
    else if (current === null || typeof current !== 'object') size += 8;
    else if (Array.isArray(current)) {
      size += 2 + current.length;
      if (size > limit) break;
      for (const item of current) stack.push({ value: item, depth: depth + 1 });
    } else {
      const keys = Object.keys(current);
      size += 2;
      for (const key of keys) {
        size += key.length + 4;
        if (size > limit) break;
        stack.push({ value: (current as Record<string, unknown>)[key], depth: depth + 1 });
      }
    }
    if (size > limit) break;
  }
  return size > limit ? { ok: false, reason: `it is larger than ${formatBytes(limit)}` } : { ok: true };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}
