import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult } from '../common/api/labs.ts';
import { startKubeApiTestDouble } from '../../e2e/support/kube-api-test-double.ts';
import { CheckEngine } from '../node/checks/check-engine.ts';
import { evaluateCheck } from '../node/checks/evaluate-check.ts';
import { FakeClusterAccess, FakeCommandLog, FakeContainers } from '../node/checks/engine-fixtures.test-support.ts';
import { LabCatalog } from '../node/labs/lab-catalog.ts';
import { figure, type BenchFigure } from './bench-figures.ts';

/**
 * Check latency: from an object change in the Kubernetes API (the test double) to the `checks.result` event
 * of the check it affects, through the real informer, scheduling (reaction-scheduler.ts) and evaluation path.
 * Lab 1.3's deployment-ready check flips between 2/3 and 3/3 ready replicas N times: each after a quiet
 * spell (the single change the goal is about), then back to back.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHANGES = Number(process.env.BENCH_CHANGES ?? 40);
/** The engine's default window (check-engine.ts): changes within it after a verdict wait for its end. */
const WINDOW_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export default async function benchChecks(): Promise<BenchFigure[]> {
  const double = await startKubeApiTestDouble();
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] } } },
    status: { readyReplicas: 3 },
  };
  await double.setObjects([deployment]);
  let onReady: ((result: CheckResult) => void) | undefined;
  let evaluations = 0;
  const catalog = await LabCatalog.load(path.join(ROOT, 'labs'));
  // The lab marks deployment-ready `once` (a later step deletes the Deployment), so after its first pass it
  // would never report again; the benchmark needs every flip judged, as a `holds` check is.
  const check = catalog.step('1.3', 'create-deployment')?.spec.checks.find((candidate) => candidate.id === 'deployment-ready');
  if (!check) throw new Error('lab 1.3 has no check deployment-ready in step create-deployment');
  (check as { mode: string }).mode = 'holds';
  const engine = new CheckEngine({
    catalog,
    cluster: new FakeClusterAccess(double.kubeconfigPath),
    containers: new FakeContainers(),
    commandLog: new FakeCommandLog(),
    events: { emit: (_name, payload) => onReady?.(payload as CheckResult) },
    onResult: () => undefined,
    evaluate: (spec, world, context) => {
      if (spec.id === 'deployment-ready') evaluations++;
      return evaluateCheck(spec, world, context);
    },
  });
  try {
    await engine.activate('1.3', 'create-deployment');
    const flip = async (change: number): Promise<number> => {
      const ready = change % 2 === 0 ? 2 : 3;
      const expected = ready === 3 ? 'passed' : 'failed';
      const seen = new Promise<number>((resolve) => {
        onReady = (result) => {
          if (result.checkId === 'deployment-ready' && result.status === expected) resolve(performance.now());
        };
      });
      const started = performance.now();
      await double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: ready });
      return (await seen) - started;
    };
    // A single change: the attendee's one apply, after a quiet spell longer than the window.
    const single: number[] = [];
    for (let change = 0; change < CHANGES; change++) {
      await sleep(WINDOW_MS + 50);
      single.push(await flip(change));
    }
    // Changes back to back (each as soon as the previous verdict arrived): all but the first fall in a window
    // and wait for its end, as every change did behind the old 150 ms debounce.
    await sleep(WINDOW_MS + 50);
    const backToBack: number[] = [];
    for (let change = 0; change < CHANGES; change++) backToBack.push(await flip(change));
    // A burst: 10 status changes sent at once; the evaluations it costs (leading and trailing edge).
    await sleep(WINDOW_MS + 50);
    evaluations = 0;
    await Promise.all(Array.from({ length: 10 }, (_, change) => double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: change % 2 === 0 ? 2 : 3 })));
    await sleep(WINDOW_MS + 50);
    const format = (ms: number) => `${ms.toFixed(1)} ms`;
    const line = (what: string, runs: number[]) => {
      const sorted = [...runs].sort((a, b) => a - b);
      return `${what}: p50 ${format(percentile(sorted, 50))}, p95 ${format(percentile(sorted, 95))}, max ${format(sorted.at(-1) ?? Number.NaN)}`;
    };
    process.stdout.write(
      `check latency (API event -> checks.result, ${CHANGES} changes each; ${WINDOW_MS} ms window): ${line('single change after quiet', single)}; ` +
        `${line('back to back', backToBack)}; a burst of 10 changes: ${evaluations} evaluations\n`,
    );
    const p95 = (runs: number[]) => percentile([...runs].sort((a, b) => a - b), 95).toFixed(1);
    return [
      figure('check reaction, single change (API event -> checks.result)', 'ms', single.map((ms) => Number(ms.toFixed(1))), `p95 ${p95(single)} ms; goal p95 < 100 ms`),
      figure(`check reaction, changes back to back (${WINDOW_MS} ms window)`, 'ms', backToBack.map((ms) => Number(ms.toFixed(1))), `p95 ${p95(backToBack)} ms`),
    ];
  } finally {
    await engine.dispose();
    await double.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchChecks();
