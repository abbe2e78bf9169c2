import { expect, test } from '@playwright/test';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';

// Terminals that match the guide: every machine of the topology has a terminal tab from the start with its
// state in words, and a snippet meant for a node says which node; with no lab environment running here, Run
// says the node is down instead of switching to a dead tab.

const cluster = useSampleClusterHost();

test('every node has a terminal tab from the start, and a node snippet names its node and says when it is down', async ({ page }) => {
  await page.goto(cluster.host.url);
  const terminals = page.getByRole('tablist', { name: 'Terminals' });
  for (const name of ['jumphost', 'master1', 'worker1', 'worker2']) {
    await expect(terminals.getByRole('tab', { name: `${name} — not running` })).toBeVisible();
  }
  await expect(terminals.getByRole('tab', { name: /^host shell/ })).toBeVisible();

  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.6 / }).click();
  await page.getByRole('list', { name: 'Steps of lab 1.6' }).getByRole('button', { name: /^Where the pod subnet is configured/ }).click();
  const guide = page.getByRole('main', { name: 'Lab guide' });
  const run = guide.getByRole('button', { name: '▶ Run on master1' }).first();
  await expect(run).toBeVisible();
  await run.click();
  const notice = guide.getByRole('status').filter({ hasText: 'master1 is not running' }).first();
  await expect(notice).toBeVisible();
  await notice.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('node-snippet-down.png') });
  // The terminal stayed where it was: no silent switch to a shell that cannot open.
  await expect(terminals.getByRole('tab', { name: /^jumphost/ })).toHaveAttribute('aria-selected', 'true');
});
