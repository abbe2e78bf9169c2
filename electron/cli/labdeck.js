#!/usr/bin/env node
// Entry point for `npx labdeck`. `npm run build` writes the CLI as one esbuild bundle (dist/cli/labdeck.mjs,
// commands split into chunks loaded when they run), which starts in a fraction of a second. From a source
// checkout without a build, or when any file under electron/ changed after the build (a stale bundle would
// silently run old code), it runs the TypeScript sources through tsx instead, as before.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const bundle = path.resolve(here, '../../dist/cli/labdeck.mjs');

/** Newest mtime under dir (ms), stopping as soon as one is newer than limit: a few ms for electron/. */
function changedSince(dir, limit) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && changedSince(full, limit)) return true;
    } else if (statSync(full).mtimeMs > limit) {
      return true;
    }
  }
  return false;
}

function bundleIsCurrent() {
  if (process.env.LABDECK_CLI_SOURCE === '1') return false;
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  try {
    return !changedSince(path.resolve(here, '..'), built);
  } catch {
    return true; // no sources next to the bundle (an installed copy): the bundle is all there is
  }
}

if (bundleIsCurrent()) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
