import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Labdeck package's own folder (the clone, or where npm installed it), whatever folder `labdeck` is run
 * from: a `labdeck` put on PATH with `npm link` finds its course and renderer build there, not in the
 * current folder. (Bundled, import.meta.url names this source file's place under the app root: bundle.ts.)
 */
export const packageRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** A path inside the package, for defaults such as the course (labs/) and the renderer build. */
export function inPackage(...parts: string[]): string {
  return path.join(packageRoot, ...parts);
}
