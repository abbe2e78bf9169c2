import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * Keeps every file Labdeck reads for a course inside the course folder. A course is code (its probes run as
 * root in the nodes) and its files are shown to the attendee, so a lab file that is a symlink to /etc/passwd,
 * or a path with `..`, must not turn `labs.get` into a reader of arbitrary files on the attendee's machine.
 * Containment is decided on real paths (symlinks resolved), so a link inside the course to another file of the
 * course is fine, and a link that leaves it is refused.
 */

export type CourseFileRead =
  | { ok: true; text: string }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'outside'; message: string };

/** True when `child` is `parent` or lies below it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

/** A relative path written in a course file that leaves its base by itself (absolute, or climbing with `..`). */
export function escapesLexically(relative: string): boolean {
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) return true;
  return relative.split(/[\\/]+/).includes('..');
}

/**
 * Errors that mean "there is no such file to read": also a name too long for the file system and a symlink
 * loop, which a course file can name as easily as a missing file (found by fuzzing the lab loader).
 */
function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP';
}

/**
 * Reads `file` (absolute, somewhere under `courseRoot`) only when its real path stays inside the real course
 * folder. The file is read through the resolved path, so what was checked is what is read.
 */
export async function readCourseFile(courseRoot: string, file: string): Promise<CourseFileRead> {
  const relativeAsWritten = path.relative(courseRoot, file);
  if (escapesLexically(relativeAsWritten)) {
    return { ok: false, reason: 'outside', message: `${relativeAsWritten} is outside the course folder` };
  }
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = await realpath(courseRoot);
    realFile = await realpath(file);
  } catch (error) {
    if (isNotFound(error)) return { ok: false, reason: 'missing' };
    throw error;
  }
  if (!isInside(realRoot, realFile)) {
    return { ok: false, reason: 'outside', message: `${relativeAsWritten} leaves the course folder through a symlink (it resolves to ${realFile})` };
  }
  try {
    return { ok: true, text: await readFile(realFile, 'utf8') };
  } catch (error) {
    if (isNotFound(error)) return { ok: false, reason: 'missing' };
    throw error;
  }
}
