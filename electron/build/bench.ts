import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine, type BenchFigure } from './bench-figures.ts';

/**
 * `npm run bench`: runs every electron/build/bench-*.ts (each default-exports an async function that prints
 * its figures and may return them as BenchFigure[]), then prints all returned figures as one JSON document
 * and writes it to dist/bench.json. `npm run bench -- cli app` runs only bench-cli.ts and bench-app.ts.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = (await readdir(here))
  .filter((name) => /^bench-.+\.ts$/.test(name) && !name.endsWith('.test.ts') && name !== 'bench-figures.ts')
  .filter((name) => only.length === 0 || only.includes(name.replace(/^bench-|\.ts$/g, '')))
  .sort();
const results: { bench: string; figures: BenchFigure[] | null }[] = [];
const started = new Date().toISOString();
for (const name of benches) {
  process.stdout.write(`# ${name}\n`);
  const module = (await import(pathToFileURL(path.join(here, name)).href)) as { default?: () => Promise<BenchFigure[] | void> };
  if (typeof module.default !== 'function') throw new Error(`${name} must default-export an async function that runs the benchmark`);
  const figures = await module.default();
  results.push({ bench: name, figures: Array.isArray(figures) ? figures : null });
}
const document = { started, machine: machine(), results };
const json = JSON.stringify(document, null, 2);
process.stdout.write(`# JSON\n${json}\n`);
const out = path.resolve(here, '../../dist/bench.json');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${json}\n`);
