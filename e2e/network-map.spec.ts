import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';
import { sampleClusterNames } from './support/sample-cluster.ts';
import { SCREEN_SIZES, VIEW_MODES } from './support/view-modes.ts';

// The network map at the two screen sizes workshops use (a 1024x640 projector, a 1440x900 laptop), in light,
// dark and presenter mode: screenshots for people to look at, and the readability promises checked in the
// real browser: no text under 12 px, the map as wide as its pane at most, every element a keyboard stop away.

const screenshots = path.resolve('e2e/screenshots');
const cluster = useSampleClusterHost();

test.beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
});

const modes = VIEW_MODES;
const sizes = SCREEN_SIZES;

async function openMap(page: Page, presenter: boolean): Promise<void> {
  await page.goto(cluster.host.url);
  await expect(page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / })).toBeVisible();
  if (presenter) {
    await page.getByRole('button', { name: /^Presenter/ }).click();
    await expect(page.locator('html')).toHaveAttribute('data-presenter', 'on');
  }
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / }).click();
  await page.getByRole('tab', { name: 'Network map' }).click();
  await expect(page.getByRole('group', { name: `Node ${sampleClusterNames.nodes[1]}` })).toBeVisible();
}

/** Rendered size of the smallest text in the map, and how the drawing's width compares with its pane. */
function measure(page: Page) {
  return page.evaluate(() => {
    const svg = document.querySelector<SVGSVGElement>('.network-map svg');
    const pane = document.querySelector<HTMLElement>('.network-map .canvas');
    if (!svg || !pane) throw new Error('no map drawn');
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')].map((text) => Number.parseFloat(getComputedStyle(text).fontSize) * scale);
    return { smallest: Math.min(...sizes), svgWidth: svg.getBoundingClientRect().width, paneWidth: pane.clientWidth };
  });
}

for (const size of sizes) {
  for (const mode of modes) {
    test(`network map at ${size.width}x${size.height} in ${mode.name} mode: readable, fitted, axe clean`, async ({ browser }) => {
      const context = await browser.newContext({ colorScheme: mode.colorScheme, viewport: size });
      const page = await context.newPage();
      await openMap(page, mode.presenter);
      const measured = await measure(page);
      expect(measured.smallest).toBeGreaterThanOrEqual(12);
      expect(measured.svgWidth).toBeLessThanOrEqual(measured.paneWidth);

      const results = await new AxeBuilder({ page }).include('.network-map').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
      const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
      expect(serious.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join(' | ')}`)).toEqual([]);

      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: path.join(screenshots, `network-map-${mode.name}-${size.width}x${size.height}.png`) });
      await context.close();
    });
  }
}

test('the keyboard reaches every node, pod and Service of the map with Tab then the arrow keys', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await openMap(page, false);
  const firstStop = page.locator('.network-map svg [tabindex="0"]');
  await expect(firstStop).toHaveCount(1);
  await firstStop.focus();
  const labels: string[] = [];
  for (let index = 0; index < 12; index += 1) {
    labels.push((await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')) || '');
    await page.keyboard.press('ArrowDown');
  }
  expect(labels).toEqual(expect.arrayContaining(['This computer', `Pod default/${sampleClusterNames.pods[0]}`, `Service default/${sampleClusterNames.service}`]));
  expect(labels.some((label) => label.startsWith(`Node ${sampleClusterNames.nodes[0]}: `))).toBe(true);
  await page.keyboard.press('+');
  const zoomed = await measure(page);
  expect(zoomed.svgWidth).toBeGreaterThan(0);
  await context.close();
});
