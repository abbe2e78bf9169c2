import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';
import { sampleClusterNames } from './support/sample-cluster.ts';
import { VIEW_MODES } from './support/view-modes.ts';

// A screenshot of every main screen in light, dark and presenter mode, saved for people to look at
// (README, review of contrast and layout on a projector).

const screenshots = path.resolve('e2e/screenshots');

const cluster = useSampleClusterHost();

test.beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
});

const modes = VIEW_MODES;

async function shoot(page: Page, screen: string, mode: string) {
  // Let transitions and fonts settle so the picture shows what a person sees.
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(screenshots, `${screen}-${mode}.png`) });
}

for (const mode of modes) {
  test(`main screens in ${mode.name} mode`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: mode.colorScheme, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(cluster.host.url);
    await expect(page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / })).toBeVisible();
    if (mode.presenter) {
      await page.getByRole('button', { name: 'Presenter mode' }).click();
      await expect(page.locator('html')).toHaveAttribute('data-presenter', 'on');
    }

    await expect(page.getByRole('heading', { name: 'Lab environment' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Preflight' })).toBeVisible();
    await shoot(page, 'start', mode.name);

    await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / }).click();
    // The same host serves every mode: pick step 1 explicitly rather than the step saved by the previous mode.
    await page.getByRole('list', { name: 'Steps of lab 1.2' }).getByRole('button', { name: /^Start a pod with kubectl run / }).click();
    const guide = page.getByRole('main', { name: 'Lab guide' });
    await expect(guide.getByRole('heading', { level: 2 })).toHaveText('Start a pod with kubectl run');
    await expect(guide.getByRole('status', { name: /^Pod nginx-kubectl runs the nginx image: / })).toBeVisible();
    await shoot(page, 'lab-guide', mode.name);

    // Checks read the test double's cluster (--kubeconfig): Run says beside the button that the host shell is
    // the terminal to type in, instead of switching to a jumphost that cannot start.
    await guide.getByRole('button', { name: '▶ Run in terminal' }).first().click();
    await expect(guide.getByRole('status').filter({ hasText: 'no jumphost with --kubeconfig' }).first()).toBeVisible();
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await expect(page.getByRole('tab', { name: 'Terminal' })).toHaveAttribute('aria-selected', 'true');
    await page.waitForTimeout(500);
    await shoot(page, 'terminal', mode.name);

    await page.getByRole('tab', { name: 'Editor' }).click();
    await expect(page.getByRole('tab', { name: 'Editor' })).toHaveAttribute('aria-selected', 'true');
    await page.waitForTimeout(500);
    await shoot(page, 'editor', mode.name);

    await page.getByRole('tab', { name: 'Network map' }).click();
    await page.getByRole('button', { name: 'Wide view' }).click();
    await expect(page.getByRole('group', { name: `Node ${sampleClusterNames.nodes[1]}` })).toBeVisible();
    await shoot(page, 'network-map', mode.name);
    await context.close();
  });
}
