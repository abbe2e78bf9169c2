/**
 * Names people choose (a publisher's or attendee's key name) shown next to something that must not move: a
 * fingerprint in a trust prompt or dialog. Shared by the backend (which refuses such names when writing a key
 * or pack and neutralises them when reading one) and the renderer (which shows them). Issue 21.
 */

/** The longest key name, in characters. */
export const MAX_KEY_NAME_LENGTH = 64;

// Control and format characters (escape codes, newlines, bidi overrides, zero-width), line and paragraph
// separators, unassigned and private-use code points, lone surrogates: none is printable text.
const NOT_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u;
const NOT_PRINTABLE_GLOBAL = /[\p{C}\p{Zl}\p{Zp}]/gu;
const OTHER_SPACE = /[^\P{Zs} ]/u;
const OTHER_SPACES = /[^\P{Zs} ]/gu;

/** Why `name` cannot be a key's name, or undefined: printable text on one line, at most 64 characters. */
export function keyNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'a key name cannot be empty';
  if (NOT_PRINTABLE.test(name) || OTHER_SPACE.test(name)) return 'a key name must be printable text on one line (no control characters, escape codes, line breaks or invisible characters)';
  if ([...name].length > MAX_KEY_NAME_LENGTH) return `a key name has at most ${MAX_KEY_NAME_LENGTH} characters`;
  return undefined;
}

/**
 * A name read from a key file, a pack, a report or the backend, made safe to show: every non-printable character
 * becomes U+FFFD, other spaces a plain space, cut to MAX_KEY_NAME_LENGTH characters. One bounded line that
 * cannot move anything around it.
 */
export function printableKeyName(name: string): string {
  const bounded = printableText(name, MAX_KEY_NAME_LENGTH);
  return bounded === '' ? '(no name)' : bounded;
}

/** Any text from a file someone else wrote (a course title, an id), made one printable line of at most `max` characters. */
export function printableText(text: string, max: number): string {
  const cleaned = text.replace(NOT_PRINTABLE_GLOBAL, '\uFFFD').replace(OTHER_SPACES, ' ').trim();
  const characters = [...cleaned];
  return characters.length > max ? `${characters.slice(0, max - 1).join('')}…` : cleaned;
}
