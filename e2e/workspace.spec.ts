import { expect, test, type Page } from '@playwright/test';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';
import { sampleClusterNames } from './support/sample-cluster.ts';

// The workspace against the browser host, with the Kubernetes API test double standing in for the lab
// cluster: the lab list, a lab's live badges, the network map drawn from the double's objects, presenter mode.

const cluster = useSampleClusterHost();

async function openApp(page: Page) {
  await page.goto(cluster.host.url);
  await expect(page.getByRole('navigation', { name: 'Labs' })).toBeVisible();
}

test('lists the nine labs with their titles and state', async ({ page }) => {
  await openApp(page);
  const nav = page.getByRole('navigation', { name: 'Labs' });
  for (const id of ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9']) {
    await expect(nav.getByRole('button', { name: new RegExp(`^${id.replace('.', '\\.')} \\S`) })).toBeVisible();
  }
  await expect(nav.getByText('Available').first()).toBeVisible();
  await expect(nav.getByText(/Locked/).first()).toBeVisible();
});

test('opens lab 1.2 and shows a live badge for each check of the step', async ({ page }) => {
  await openApp(page);
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / }).click();
  const guide = page.getByRole('main', { name: 'Lab guide' });
  await expect(guide.getByRole('heading', { level: 2 })).toHaveText('Start a pod with kubectl run');
  await expect(guide.getByText(/Step 1 of \d/)).toBeVisible();
  // The step's badges: each says its status in words, never by colour alone.
  const badge = guide.getByRole('status', { name: /^Pod nginx-kubectl runs the nginx image: (Waiting|Not yet|Failed|Passed|Error)$/ });
  await expect(badge).toBeVisible();
  // No such pod in the double, and the attendee has done nothing yet: "not yet", not a red failure.
  await expect(guide.getByRole('status', { name: 'Pod nginx-kubectl runs the nginx image: Not yet' })).toBeVisible();
  await expect(guide.getByRole('button', { name: '▶ Run in terminal' }).first()).toBeVisible();

  await page.keyboard.press('Alt+ArrowRight');
  await expect(guide.getByRole('heading', { level: 2 })).toHaveText('Delete the pod');
  await expect(guide.getByRole('status', { name: /^Pod nginx-kubectl is gone: / })).toBeVisible();
});

test("draws the double's nodes, pods and services on the network map", async ({ page }) => {
  await openApp(page);
  await page.getByRole('tab', { name: 'Network map' }).click();
  const map = page.getByRole('region', { name: 'Network map' });
  for (const name of sampleClusterNames.nodes) await expect(map.getByRole('group', { name: `Node ${name}` })).toBeVisible();
  await expect(map.getByRole('group', { name: 'Node worker1' }).getByText('IP 10.1.1.3', { exact: true })).toBeVisible();
  await expect(map.getByRole('group', { name: 'Node worker1' }).getByText('Pods 10.244.1.0/24', { exact: true })).toBeVisible();
  for (const name of sampleClusterNames.pods) await expect(map.getByRole('group', { name: `Pod default/${name}` })).toBeVisible();
  const service = map.getByRole('group', { name: `Service default/${sampleClusterNames.service}` });
  await expect(service).toBeVisible();
  await expect(service.locator('text', { hasText: 'ClusterIP 10.96.120.15' }).first()).toBeVisible();
  await expect(service.locator('text', { hasText: /node 30080/ }).first()).toBeVisible();
  await expect(map.locator('path.arrow')).toHaveCount(2);
});

test('presenter mode enlarges the type and survives a reload', async ({ page }) => {
  await openApp(page);
  const rootSize = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
  const normal = await rootSize();
  await page.getByRole('button', { name: 'Presenter mode' }).click();
  await expect(page.getByRole('button', { name: 'Presenter mode' })).toHaveAttribute('aria-pressed', 'true');
  expect(await rootSize()).toBeGreaterThan(normal * 1.3);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Presenter mode' })).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Control+Alt+KeyP');
  await expect(page.getByRole('button', { name: 'Presenter mode' })).toHaveAttribute('aria-pressed', 'false');
  expect(await rootSize()).toBe(normal);
});

test('shows the keyboard shortcuts on ?', async ({ page }) => {
  await openApp(page);
  await page.locator('body').press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText('Focus the terminal')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test("cleans up what lab 1.2 created, and only that, after a confirmation", async ({ page }) => {
  await cluster.double.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'default', labels: { name: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } });
  await cluster.double.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bystander', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  await openApp(page);
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / }).click();
  const actions = page.getByRole('region', { name: 'Start lab 1.2 over' });
  await actions.getByRole('button', { name: 'Clean up lab objects' }).click();
  await actions.getByRole('button', { name: 'Delete them' }).click();
  await expect(actions.getByRole('status')).toHaveText('Deleted Pod default/nginx.');
  const names = cluster.double.objects().filter((object) => object.kind === 'Pod').map((object) => object.metadata.name);
  expect(names).not.toContain('nginx');
  expect(names).toContain('bystander');
  await cluster.double.remove({ kind: 'Pod', namespace: 'default', name: 'bystander' });
});
