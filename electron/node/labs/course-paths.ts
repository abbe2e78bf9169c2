import { open, realpath } from 'node:fs/promises';
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
  | { ok: false; reason: 'outside'; message: string }
  | { ok: false; reason: 'too-large'; message: string };

/**
 * The largest course file read as text (lab.yaml, course.yaml, step texts, manifests, self-tests): real ones are
 * a few KB. A bigger one is a finding, never read (a 700 MB file used to end lint with "unexpected failure").
 */
export const MAX_COURSE_FILE_BYTES = 4 * 1024 * 1024;

export class CourseFileTooLargeError extends Error {
  constructor(readonly size: number) {
    super(`the file has ${size} bytes; course files are read only up to ${MAX_COURSE_FILE_BYTES} bytes (${MAX_COURSE_FILE_BYTES / 1024 / 1024} MiB)`);
  }
}

/** Reads a text file unless it is bigger than `limit` (checked on the open file, so what is measured is what is read). */
export async function readTextBounded(file: string, limit: number = MAX_COURSE_FILE_BYTES): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > limit) throw new CourseFileTooLargeError(size);
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      // Grew while being read: still refused past the limit.
      if (length > limit) throw new CourseFileTooLargeError(length);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

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
    return { ok: true, text: await readTextBounded(realFile) };
  } catch (error) {
    if (error instanceof CourseFileTooLargeError) return { ok: false, reason: 'too-large', message: `${relativeAsWritten} is too large: ${error.message}` };
    if (isNotFound(error)) return { ok: false, reason: 'missing' };
    throw error;
  }
}
