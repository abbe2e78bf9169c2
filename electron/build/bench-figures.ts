import os from 'node:os';

/**
 * What each benchmark reports: a measured figure with every run kept (min/median/max over them), or a
 * figure that cannot be measured here with the reason. `npm run bench` prints them as text and, at the
 * end, all of them as one JSON document.
 */
export interface Figure {
  name: string;
  unit: string;
  runs: number[];
  min: number;
  median: number;
  max: number;
  note?: string;
}

export interface Unavailable {
  name: string;
  unavailable: string;
}

export type BenchFigure = Figure | Unavailable;

export function figure(name: string, unit: string, runs: number[], note?: string): Figure {
  const sorted = [...runs].sort((a, b) => a - b);
  const median = sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { name, unit, runs, min: sorted[0] ?? Number.NaN, median, max: sorted.at(-1) ?? Number.NaN, ...(note ? { note } : {}) };
}

export function unavailable(name: string, reason: string): Unavailable {
  return { name, unavailable: reason };
}

function round(value: number): string {
  const abs = Math.abs(value);
  return value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
}

export function formatFigure(entry: BenchFigure): string {
  if ('unavailable' in entry) return `${entry.name}: not measured here: ${entry.unavailable}`;
  const spread = entry.runs.length > 1 ? ` (min ${round(entry.min)}, max ${round(entry.max)}, ${entry.runs.length} runs)` : '';
  return `${entry.name}: ${round(entry.median)} ${entry.unit}${spread}${entry.note ? `; ${entry.note}` : ''}`;
}

/** Prints figures as they are measured, so a long benchmark shows progress. */
export function report(entries: BenchFigure[]): BenchFigure[] {
  for (const entry of entries) process.stdout.write(`${formatFigure(entry)}\n`);
  return entries;
}

/** The machine the figures came from: absolute times only compare on the same one. */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}
