import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Which Node each command needs. Running, testing and serving Labdeck need Node 20.19 (package.json engines:
 * Vite 8, the Svelte plugin and jsdom ask for ^20.19). Only `npm run dist` needs more: electron-builder
 * rebuilds node-pty for Electron with @electron/rebuild 4 and node-abi 4, which require Node 22.12 (the two
 * engine warnings `npm ci` prints on Node 20). `npm run dist` checks that first instead of failing midway.
 */
export const distNodeVersion = '22.12.0';

/** Whether `actual` (e.g. process.versions.node, or v20.19.1) is at least `required`. */
export function nodeAtLeast(actual: string, required: string): boolean {
  const parts = (version: string) => version.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10) || 0);
  const [a, r] = [parts(actual), parts(required)];
  for (let index = 0; index < 3; index++) {
    if ((a[index] ?? 0) !== (r[index] ?? 0)) return (a[index] ?? 0) > (r[index] ?? 0);
  }
  return true;
}

/** The message for a Node too old for `npm run dist`; null when it is new enough. */
export function distNodeProblem(actual: string = process.versions.node): string | null {
  if (nodeAtLeast(actual, distNodeVersion)) return null;
  return [
    `npm run dist needs Node ${distNodeVersion} or newer; this is Node ${actual}.`,
    `  Why: electron-builder rebuilds node-pty for Electron with @electron/rebuild and node-abi, which require Node ${distNodeVersion}.`,
    '  Everything else (npm start, npm run web, npm test) works on Node 20.19 too.',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problem = distNodeProblem();
  if (problem) {
    console.error(problem);
    process.exitCode = 1;
  }
}
