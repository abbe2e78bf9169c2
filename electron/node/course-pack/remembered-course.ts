import fsp from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { CourseTrust } from './course-trust.ts';

const REMEMBERED_FILE = 'current-course.json';

const RememberedCourseSchema = z.object({
  format: z.literal(1),
  /** Where the attendee opened it from (the pack file, or the folder). */
  source: z.string(),
  /** The course folder to load: an opened pack's extraction under <data dir>/courses/, or the folder itself. */
  courseDir: z.string(),
  /** The pack's images for this machine, the offline bundle of `env up`. */
  bundleDir: z.string().optional(),
  trust: z.object({ kind: z.enum(['folder', 'pack']), notice: z.string(), publisher: z.string().optional(), fingerprint: z.string().optional() }),
});
export type RememberedCourse = Omit<z.infer<typeof RememberedCourseSchema>, 'format'>;

/** Remembers the course opened in the app, so the next start opens it again without `--course`. */
export async function rememberCourse(dataDir: string, course: RememberedCourse & { trust: CourseTrust }): Promise<void> {
  await fsp.mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, REMEMBERED_FILE);
  // Written whole and renamed: a crash mid-write must not leave a half file that hides the course.
  await fsp.writeFile(`${file}.partial`, `${JSON.stringify({ format: 1, ...course }, null, 2)}\n`);
  await fsp.rename(`${file}.partial`, file);
}

/**
 * The course remembered by the last "Open course…", if its folder is still there. An opened pack's folder was
 * verified when it was extracted and lives in the user's own data folder, so it is not verified again here.
 */
export async function readRememberedCourse(dataDir: string): Promise<RememberedCourse | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fsp.readFile(path.join(dataDir, REMEMBERED_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const result = RememberedCourseSchema.safeParse(parsed);
  if (!result.success) return undefined;
  const exists = await fsp.stat(result.data.courseDir).then((stat) => stat.isDirectory(), () => false);
  if (!exists) return undefined;
  const { format: _format, ...course } = result.data;
  return course;
}
