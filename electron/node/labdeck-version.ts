import { readFileSync } from 'node:fs';

/** Labdeck's own version (package.json), recorded in packs and reports so a grader knows what wrote them. */
export function labdeckVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
