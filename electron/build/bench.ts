import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, type BenchFigure } from './bench-figures.ts';

/**
 * `npm run bench`: runs every electron/build/bench-*.ts (each default-exports an async function that prints
 * its figures and may return them as BenchFigure[]), each in its own process (run-bench.ts) so one that
 * crashes is reported without losing the others, then prints all returned figures as one JSON document and
 * writes it to dist/bench.json. `npm run bench -- cli app` runs only bench-cli.ts and bench-app.ts.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = (await readdir(here))
  .filter((name) => /^bench-.+\.ts$/.test(name) && !name.endsWith('.test.ts') && name !== 'bench-figures.ts')
  .filter((name) => only.length === 0 || only.includes(name.replace(/^bench-|\.ts$/g, '')))
  .sort();
const results: { bench: string; figures: BenchFigure[] | null; error?: string }[] = [];
const started = new Date().toISOString();
const tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-bench-'));
try {
  for (const name of benches) {
    process.stdout.write(`# ${name}\n`);
    const out = path.join(tmp, `${name}.json`);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'run-bench.ts'), path.join(here, name), out], { stdio: 'inherit' });
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    if (code === 0) {
      results.push({ bench: name, figures: JSON.parse(await readFile(out, 'utf8')) as BenchFigure[] | null });
    } else {
      process.stdout.write(`${name} failed (exit code ${code}); its figures above, if any, are not in the JSON\n`);
      results.push({ bench: name, figures: null, error: `exit code ${code}` });
    }
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
const document = { started, machine: machine(), results };
const json = JSON.stringify(document, null, 2);
process.stdout.write(`# JSON\n${json}\n`);
const outFile = path.resolve(here, '../../dist/bench.json');
await mkdir(path.dirname(outFile), { recursive: true });
await writeFile(outFile, `${json}\n`);
if (results.some((result) => result.error)) process.exitCode = 1;
