import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `npm run bench`: runs every electron/build/bench-*.ts (each default-exports an async function printing its figures). */
const here = path.dirname(fileURLToPath(import.meta.url));
const benches = (await readdir(here)).filter((name) => /^bench-.+\.ts$/.test(name) && !name.endsWith('.test.ts')).sort();
for (const name of benches) {
  process.stdout.write(`# ${name}\n`);
  const module = (await import(pathToFileURL(path.join(here, name)).href)) as { default?: () => Promise<void> };
  if (typeof module.default !== 'function') throw new Error(`${name} must default-export an async function that runs the benchmark`);
  await module.default();
}
