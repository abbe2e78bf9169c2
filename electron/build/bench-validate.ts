import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { largeManifest } from '../node/workers/large-manifest.ts';
import { ManifestChecker } from '../node/workers/manifest-checker.ts';
import { figure, report, type BenchFigure } from './bench-figures.ts';

/**
 * How long `cluster.validate` of a 1 MB manifest holds the backend's event loop (in Electron: the main
 * process, whose window cannot repaint meanwhile): the longest event-loop delay seen while it runs, with
 * validation inline (as before the worker, though parsed once now) and in the manifest worker, plus the time
 * to the answer and the block an apply of the same text then costs (the worker reuses its parse; only the
 * objects come back to the loop). `npm run bench -- validate` runs this alone.
 */

const RUNS = Number(process.env.LABDECK_BENCH_RUNS ?? 5);

async function blockDuring<T>(work: () => Promise<T>): Promise<{ blockMs: number; wallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  // The sampler's first tick only sets its baseline.
  await new Promise((resolve) => setTimeout(resolve, 30));
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  // A block is recorded by the tick after it.
  await new Promise((resolve) => setTimeout(resolve, 30));
  histogram.disable();
  return { blockMs: histogram.max / 1e6, wallMs };
}

export default async function benchValidate(): Promise<BenchFigure[]> {
  const text = largeManifest();
  // A different text per run: the checker would otherwise answer a repeated text from its last parse.
  const variant = (run: number, label: string) => `# ${label} ${run}\n${text}`;
  const inline = new ManifestChecker({ inlineBelowChars: Number.POSITIVE_INFINITY });
  const worker = new ManifestChecker();
  try {
    // Start-up and JIT warm-up are not what is measured.
    await inline.problems(variant(-1, 'inline'));
    await worker.problems(variant(-1, 'worker'));
    const before: number[] = [];
    const after: number[] = [];
    const answer: number[] = [];
    const apply: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      before.push((await blockDuring(() => inline.problems(variant(run, 'inline')))).blockMs);
      const measured = await blockDuring(() => worker.problems(variant(run, 'worker')));
      after.push(measured.blockMs);
      answer.push(measured.wallMs);
      apply.push((await blockDuring(() => worker.analyze(variant(run, 'worker')))).blockMs);
    }
    const size = `${Math.round(text.length / 1000)} kB, ${text.split('\n---\n').length} Deployments`;
    return report([
      figure(`cluster.validate ${size}: event loop held, inline (no worker, for comparison)`, 'ms', before.map(Math.round)),
      figure(`cluster.validate ${size}: event loop held, manifest worker (now)`, 'ms', after.map(Math.round)),
      figure(`cluster.validate ${size}: time to the answer, manifest worker`, 'ms', answer.map(Math.round)),
      figure(`cluster.apply of the text just validated: event loop held before sending (objects back from the worker)`, 'ms', apply.map(Math.round)),
    ]);
  } finally {
    await Promise.all([inline.dispose(), worker.dispose()]);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchValidate();
