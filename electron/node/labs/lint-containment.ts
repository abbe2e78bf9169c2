import { readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from './course-paths.ts';
import type { LabProblem } from './yaml-source.ts';

/**
 * The lint rule "every file of the course stays in the course": walks the whole folder and reports each symlink
 * that resolves outside it (or nowhere). The loader already refuses such files when a lab names them; lint also
 * finds the ones no lab names yet, because a pack carries the whole folder and the app reads it as code.
 */
export async function lintContainment(dir: string): Promise<LabProblem[]> {
  let realRoot: string;
  try {
    realRoot = await realpath(dir);
  } catch {
    return []; // An unreadable course folder is reported by the rest of lint.
  }
  const problems: LabProblem[] = [];
  const walk = async (absolute: string, shown: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(absolute, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === '.git') continue;
      const child = path.join(absolute, entry.name);
      const shownChild = path.join(shown, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await readlink(child);
        let resolved: string | undefined;
        try {
          resolved = await realpath(child);
        } catch {
          resolved = undefined;
        }
        if (resolved === undefined) {
          problems.push({ file: shownChild, line: 1, column: 1, message: `symlink to "${target}" points nowhere; replace it with the file itself` });
        } else if (!isInside(realRoot, resolved)) {
          problems.push({
            file: shownChild,
            line: 1,
            column: 1,
            message: `symlink to "${target}" leaves the course folder (it resolves to ${resolved}); Labdeck refuses it. Copy the file into the course instead`,
          });
        }
        // Links that stay inside are not followed: what they point at is walked where it really is.
        continue;
      }
      if (entry.isDirectory()) await walk(child, shownChild);
    }
  };
  await walk(realRoot, dir);
  return problems;
}
