import fsp from 'node:fs/promises';
import path from 'node:path';
import { LabdeckError } from '../../common/errors.ts';
import { isInside } from '../labs/course-paths.ts';

/** One file of the course folder as a pack stores it. */
export interface CourseFileEntry {
  /** Path inside the course folder, "/"-separated. */
  relative: string;
  /** The real file read (a symlink inside the course is stored as the file it points at). */
  absolute: string;
  size: number;
}

/**
 * Every regular file of the course folder, sorted, for packing. `.git` and the pack being written are left
 * out. A symlink that leaves the course is refused here as well as by lint, because the pack must never carry
 * a file of the instructor's machine that is not part of the course.
 */
export async function listCourseFiles(courseDir: string, exclude: readonly string[] = []): Promise<CourseFileEntry[]> {
  const root = await fsp.realpath(courseDir);
  const excluded = new Set(exclude.map((file) => path.resolve(file)));
  const files: CourseFileEntry[] = [];
  const walk = async (dir: string, relative: string): Promise<void> => {
    for (const entry of (await fsp.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === '.git') continue;
      const absolute = path.join(dir, entry.name);
      const childRelative = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (excluded.has(absolute) || entry.name.endsWith('.partial')) continue;
      if (entry.isDirectory()) {
        await walk(absolute, childRelative);
        continue;
      }
      let real = absolute;
      if (entry.isSymbolicLink()) {
        real = await fsp.realpath(absolute).catch(() => '');
        if (real === '' || !isInside(root, real)) {
          throw new LabdeckError('invalid-request', `${path.join(courseDir, childRelative)} is a symlink that leaves the course folder; a pack carries only the course's own files.`, {
            action: 'Copy the file into the course instead of linking to it, then pack again.',
          });
        }
      }
      const stat = await fsp.stat(real);
      if (stat.isFile()) files.push({ relative: childRelative, absolute: real, size: stat.size });
    }
  };
  await walk(root, '');
  return files;
}
