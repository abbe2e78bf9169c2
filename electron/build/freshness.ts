import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether a build output is older than any of its inputs, by modification time (as make does). `npm start`
 * uses it to skip the ~15 s renderer and shell builds when nothing changed since the last start.
 */

/** The newest modification time (ms) under the given files and folders; 0 when none exists. */
export function newestMtime(inputs: readonly string[]): number {
  let newest = 0;
  const visit = (entry: string): void => {
    let stats;
    try {
      stats = statSync(entry);
    } catch {
      return;
    }
    if (stats.isDirectory()) {
      for (const name of readdirSync(entry)) {
        if (name === 'node_modules' || name.startsWith('.')) continue;
        visit(path.join(entry, name));
      }
    } else {
      newest = Math.max(newest, stats.mtimeMs);
    }
  };
  for (const input of inputs) visit(input);
  return newest;
}

/** True when every output exists and is at least as new as the newest input. */
export function isUpToDate(outputs: readonly string[], inputs: readonly string[]): boolean {
  let oldestOutput = Infinity;
  for (const output of outputs) {
    try {
      oldestOutput = Math.min(oldestOutput, statSync(output).mtimeMs);
    } catch {
      return false;
    }
  }
  return oldestOutput >= newestMtime(inputs);
}
