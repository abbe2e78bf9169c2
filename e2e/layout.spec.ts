import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';

// Every screen fits the window from a small laptop (1024x640) to a 1440p monitor, in normal and presenter
// mode: nothing is laid out beyond the right edge (cut off by the app frame) and the page never scrolls
// sideways. Screenshots of the tightest cases go to /tmp/labdeck-layout for people to look at.

const shots = '/tmp/labdeck-layout';
const sizes = [
  { width: 1024, height: 640 },
  { width: 1440, height: 900 },
  { width: 2560, height: 1440 },
] as const;

const cluster = useSampleClusterHost();

test.beforeAll(async () => {
  await mkdir(shots, { recursive: true });
});

/** What sticks out on the right: the page's own sideways scroll, and any area or control beyond the window. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = window.innerWidth;
    const scroller = document.scrollingElement;
    if (scroller && scroller.scrollWidth > width) problems.push(`page is ${scroller.scrollWidth}px wide in a ${width}px window`);
    const app = document.querySelector('.app');
    if (app && app.scrollWidth > app.clientWidth + 1) problems.push(`app frame lays out ${app.scrollWidth}px in ${app.clientWidth}px`);
    const visible = (element: Element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
    for (const element of document.querySelectorAll('.topbar, .sidebar, .content, .side-panel, button, [role="tab"], select')) {
      if (!visible(element)) continue;
      // Controls inside a scrolling area (the lab list, the guide) may be scrolled out of view; only what the
      // frame cuts off counts.
      const box = element.getBoundingClientRect();
      if (box.right > width + 1) problems.push(`${element.tagName.toLowerCase()}.${[...element.classList].join('.')} "${(element.textContent ?? '').trim().slice(0, 30)}" ends at ${Math.round(box.right)}px`);
    }
    return problems;
  });
}

async function setPresenter(page: Page, on: boolean) {
  const html = page.locator('html');
  if (((await html.getAttribute('data-presenter')) === 'on') !== on) await page.getByRole('button', { name: 'Presenter mode' }).click();
  await expect(html).toHaveAttribute('data-presenter', on ? 'on' : 'off');
}

for (const size of sizes) {
  for (const presenter of [false, true]) {
    const mode = presenter ? 'presenter' : 'normal';
    test(`every screen fits ${size.width}x${size.height} in ${mode} mode`, async ({ browser }) => {
      const context = await browser.newContext({ viewport: size });
      const page = await context.newPage();
      await page.goto(cluster.host.url);
      const nav = page.getByRole('navigation', { name: 'Labs' });
      await expect(nav.getByRole('button', { name: /^1\.2 / })).toBeVisible();
      await setPresenter(page, presenter);
      const found: Record<string, string[]> = {};
      const shot = async (name: string) => {
        if (size.width === 1024) await page.screenshot({ path: path.join(shots, `${name}-${mode}-${size.width}.png`) });
      };

      await expect(page.getByRole('heading', { name: 'Preflight' })).toBeVisible();
      found.start = await overflow(page);
      await shot('start');

      await nav.getByRole('button', { name: /^1\.2 / }).click();
      await expect(page.getByRole('main', { name: 'Lab guide' }).getByRole('heading', { level: 2 })).toBeVisible();
      // Clicking into the terminal once scrolled the whole page sideways.
      await page.locator('[data-terminal="jumphost"]').click();
      found['guide + terminal'] = await overflow(page);
      await shot('terminal');
      await page.getByRole('tab', { name: 'Editor' }).click();
      await expect(page.locator('.monaco-editor').first()).toBeVisible();
      found.editor = await overflow(page);
      await shot('editor');
      await page.getByRole('tab', { name: 'Network map' }).click();
      found['network map'] = await overflow(page);
      await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
      await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
      found['shortcuts dialog'] = await overflow(page);
      await shot('shortcuts');
      await page.keyboard.press('Escape');

      expect(Object.fromEntries(Object.entries(found).filter(([, list]) => list.length > 0))).toEqual({});
      await context.close();
    });
  }
}

test('every step of every lab fits 1024x640 in normal and presenter mode', async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await browser.newContext({ viewport: { width: 1024, height: 640 } });
  const page = await context.newPage();
  await page.goto(cluster.host.url);
  const nav = page.getByRole('navigation', { name: 'Labs' });
  await expect(nav.getByRole('button', { name: /^1\.9 / })).toBeVisible();
  const problems: string[] = [];
  for (const presenter of [false, true]) {
    await setPresenter(page, presenter);
    for (const lab of ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9']) {
      await nav.getByRole('button', { name: new RegExp(`^${lab.replace('.', '\\.')} `) }).click();
      const steps = page.getByRole('list', { name: `Steps of lab ${lab}` }).getByRole('button');
      await expect(steps.first()).toBeVisible();
      const count = await steps.count();
      for (let index = 0; index < count; index++) {
        await steps.nth(index).click();
        await expect(page.getByRole('main', { name: 'Lab guide' }).getByText(`Step ${index + 1} of ${count}`)).toBeVisible();
        for (const problem of await overflow(page)) problems.push(`${presenter ? 'presenter' : 'normal'} lab ${lab} step ${index + 1}: ${problem}`);
      }
    }
  }
  expect(problems).toEqual([]);
  await context.close();
});

test('the start screen opens at its top after a lab was scrolled', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 640 });
  await page.goto(cluster.host.url);
  const content = page.locator('main.content');
  // The start screen's cards arrive after the first paint: scroll once there is something to scroll.
  await expect.poll(() => content.evaluate((element) => ((element.scrollTop = element.scrollHeight), element.scrollTop))).toBeGreaterThan(0);
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / }).click();
  await content.evaluate((element) => (element.scrollTop = element.scrollHeight));
  await page.getByRole('button', { name: /Start and environment/ }).click();
  await expect.poll(() => content.evaluate((element) => element.scrollTop)).toBe(0);
});

test('code blocks wrap long commands only between words', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 640 });
  await page.goto(cluster.host.url);
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.3 / }).click();
  const words = page.locator('main pre.wrap .word');
  await expect(words.first()).toBeAttached();
  // A word that wrapped inside itself has more than one line box.
  const broken = await words.evaluateAll((elements) => elements.filter((element) => element.getClientRects().length > 1).map((element) => element.textContent));
  expect(broken).toEqual([]);
});
