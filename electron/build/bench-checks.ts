import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult } from '../common/api/labs.ts';
import { startKubeApiTestDouble } from '../../e2e/support/kube-api-test-double.ts';
import { CheckEngine } from '../node/checks/check-engine.ts';
import { FakeClusterAccess, FakeCommandLog, FakeContainers } from '../node/checks/engine-fixtures.test-support.ts';
import { LabCatalog } from '../node/labs/lab-catalog.ts';
import { figure, type BenchFigure } from './bench-figures.ts';

/**
 * Check latency: from an object change in the Kubernetes API (the test double) to the `checks.result` event
 * of the check it affects, through the real informer, debounce and evaluation path. Lab 1.3's
 * deployment-ready check flips between 2/3 and 3/3 ready replicas N times.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHANGES = Number(process.env.BENCH_CHANGES ?? 40);

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
  });
  try {
    await engine.activate('1.3', 'create-deployment');
    const latencies: number[] = [];
    for (let change = 0; change < CHANGES; change++) {
      const ready = change % 2 === 0 ? 2 : 3;
      const expected = ready === 3 ? 'passed' : 'failed';
      const seen = new Promise<number>((resolve) => {
        onReady = (result) => {
          if (result.checkId === 'deployment-ready' && result.status === expected) resolve(performance.now());
        };
      });
      const started = performance.now();
      await double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: ready });
      latencies.push((await seen) - started);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const format = (ms: number) => `${ms.toFixed(1)} ms`;
    process.stdout.write(
      `check latency (API event -> checks.result, ${CHANGES} changes, 150 ms debounce included): ` +
        `p50 ${format(percentile(sorted, 50))}, p95 ${format(percentile(sorted, 95))}, max ${format(sorted.at(-1) ?? Number.NaN)}\n`,
    );
    return [figure('check reaction (API event -> checks.result, 150 ms debounce included)', 'ms', latencies.map((ms) => Number(ms.toFixed(1))))];
  } finally {
    await engine.dispose();
    await double.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchChecks();
