/**
 * Limits a report must meet before anything recursive (canonical JSON, zod, field digests) touches it: a
 * hostile report nested 200,000 deep must come back "unreadable", not overflow the stack of the grader's
 * process and take the class's grading with it (issue 20).
 */
export const MAX_REPORT_BYTES = 20 * 1024 * 1024;
/** A genuine report nests about 15 levels (report → journal → entry → evidence → object → spec → …). */
export const MAX_REPORT_DEPTH = 64;

/** Why the text cannot be a report, without parsing it: too large, or nested too deep; undefined if fine. */
export function reportShapeProblem(text: string): string | undefined {
  if (text.length > MAX_REPORT_BYTES) return `larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB`;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > MAX_REPORT_DEPTH) return `nested deeper than ${MAX_REPORT_DEPTH} levels`;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return undefined;
}
