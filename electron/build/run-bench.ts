import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { BenchFigure } from './bench-figures.ts';

/**
 * Runs one benchmark file in this process (`node --import tsx run-bench.ts <bench file> <json out>`) and
 * writes the figures it returns to <json out>. bench.ts starts one such process per benchmark, so a crash in
 * one (an uncaught error in an event handler) is reported and the others still run.
 */
const [file, out] = process.argv.slice(2);
if (!file || !out) throw new Error('usage: run-bench.ts <bench file> <json out>');
const module = (await import(pathToFileURL(file).href)) as { default?: () => Promise<BenchFigure[] | void> };
if (typeof module.default !== 'function') throw new Error(`${file} must default-export an async function that runs the benchmark`);
const figures = await module.default();
await writeFile(out, JSON.stringify(Array.isArray(figures) ? figures : null));
// Some benchmarks leave handles (sockets of stopped servers) that would keep the process alive.
process.exit(0);
