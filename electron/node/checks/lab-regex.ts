import { RE2JS } from 're2js';

/**
 * Regular expressions written in lab files (command `pattern`, probe `outputMatches`, http `bodyMatches`).
 * They run on the backend's event loop against text the attendee controls, so they are compiled with RE2
 * semantics (re2js): matching time is linear in the input, and a pattern like `^(a+)+$` cannot stall the
 * engine. RE2 has no lookaround and no backreferences; lint reports such patterns through labRegexError.
 */

const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 500;

/** Compiles (cached) or throws RE2's syntax error. */
export function compileLabRegex(pattern: string): RE2JS {
  let compiled = cache.get(pattern);
  if (!compiled) {
    compiled = RE2JS.compile(pattern);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, compiled);
  }
  return compiled;
}

/** True when the pattern matches somewhere in text (like RegExp.test without flags). */
export function labRegexTest(pattern: string, text: string): boolean {
  return compileLabRegex(pattern).matcher(text).find();
}

/** Why the pattern cannot be used, or undefined when it compiles under RE2. */
export function labRegexError(pattern: string): string | undefined {
  try {
    compileLabRegex(pattern);
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `${reason} (lab regular expressions use RE2 syntax: no lookahead, lookbehind or backreferences)`;
  }
}
