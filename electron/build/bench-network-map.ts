import { chromium, type Page } from 'playwright-core';
import { startHost } from '../../e2e/support/host.ts';
import { startKubeApiTestDouble } from '../../e2e/support/kube-api-test-double.ts';
import { sampleClusterObjects } from '../../e2e/support/sample-cluster.ts';
import { figure, report, unavailable, type BenchFigure } from './bench-figures.ts';

/**
 * The network map with 200 pods in Chromium (the browser host on the Kubernetes API test double): how long
 * a change in the cluster takes to show on the map, and the frames while the attendee pans and zooms
 * (a frame over 50 ms is a visible stutter; 16.7 ms is one frame at 60 Hz). Needs `npm run build` first.
 */
const CHROMIUM = process.env.LABDECK_CHROMIUM ?? '/usr/bin/chromium';
const PODS = 200;

function crowd(): Array<Record<string, unknown>> {
  const nodes = ['master1', 'worker1', 'worker2'];
  return Array.from({ length: PODS }, (_, index) => {
    const node = nodes[index % 3] ?? 'worker1';
    const ip = `10.244.${index % 3}.${Math.floor(index / 3) + 10}`;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `load-${index}`, namespace: 'default', labels: { app: `load-${index % 20}` } },
      spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx' }] },
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
    };
  });
}

/** Frame times while `action` runs for `ms`, from requestAnimationFrame in the page. */
async function frames(page: Page, action: 'pan' | 'zoom', ms: number): Promise<number[]> {
  // A string, not a function: tsx would wrap a function's inner closures in a helper the page does not have.
  return page.evaluate(`new Promise((resolve) => {
    const canvas = document.querySelector('.network-map .canvas');
    const deltas = [];
    const start = performance.now();
    let last = start;
    let step = 0;
    const tick = (now) => {
      deltas.push(now - last);
      last = now;
      step += 1;
      if (${JSON.stringify(action)} === 'pan' && canvas) canvas.scrollTop = (step * 40) % Math.max(1, canvas.scrollHeight - canvas.clientHeight);
      if (${JSON.stringify(action)} === 'zoom' && step % 10 === 0) document.querySelector(step % 20 === 0 ? 'button[aria-label="Zoom out"]' : 'button[aria-label="Zoom in"]')?.click();
      if (now - start < ${ms}) requestAnimationFrame(tick);
      else resolve(deltas.slice(1));
    };
    requestAnimationFrame(tick);
  })`);
}

export default async function bench(): Promise<BenchFigure[]> {
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM });
  } catch (error) {
    return report([unavailable(`network map with ${PODS} pods`, `Chromium did not start (${CHROMIUM}): ${error instanceof Error ? error.message : String(error)}`)]);
  }
  const double = await startKubeApiTestDouble({ objects: [...sampleClusterObjects(), ...crowd()] });
  const host = await startHost({ kubeconfig: double.kubeconfigPath });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await page.goto(host.url);
    await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / }).click();
    await page.getByRole('tab', { name: 'Network map' }).click();
    await page.getByRole('button', { name: 'Wide view' }).click();
    await page.waitForFunction((count) => document.querySelectorAll('.network-map g.pod').length >= count, PODS, { timeout: 60_000 });

    const updates: number[] = [];
    for (let run = 0; run < 5; run += 1) {
      const name = `added-${run}`;
      const started = Date.now();
      await double.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'worker1', containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Running', podIP: `10.244.1.${240 + run}` } });
      await page.waitForFunction((label) => !!document.querySelector(`[aria-label="Pod default/${label}"]`), name, { timeout: 10_000, polling: 10 });
      updates.push(Date.now() - started);
    }
    const pan = await frames(page, 'pan', 3_000);
    const zoom = await frames(page, 'zoom', 3_000);
    const long = (list: number[]) => list.filter((value) => value > 50).length;
    return report([
      figure(`network map: a new pod shows on the map (${PODS} pods)`, 'ms', updates, 'API watch, 250 ms batching, layout and render; goal: under 1000 ms'),
      figure(`network map: frame time while panning (${PODS} pods)`, 'ms', pan, `${long(pan)} of ${pan.length} frames over 50 ms`),
      figure(`network map: frame time while zooming (${PODS} pods)`, 'ms', zoom, `${long(zoom)} of ${zoom.length} frames over 50 ms`),
    ]);
  } finally {
    await host.close();
    await double.close();
    await browser.close();
  }
}
