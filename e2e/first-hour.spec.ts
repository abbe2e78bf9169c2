import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';
import { SCREEN_SIZES } from './support/view-modes.ts';

// The first hour as a newcomer meets it (issue 21): the Start screen and a lab at a small laptop's 1024x640
// and at 1440x900, light and dark. Screenshots go to e2e/screenshots/first-hour-* for people to look at;
// the assertions are what was wrong in them: no xterm before the first click, a top bar and a terminal tab
// strip on one row, notices in sentence case, and calm "not yet" badges before the attendee has acted.

const screenshots = path.resolve('e2e/screenshots');
const cluster = useSampleClusterHost();

test.beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
});

/** Distinct rows the visible children of `selector` sit on (1 = no wrapping). */
function rows(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((element) => {
    // A child starting below the bottom of everything before it opens a new row (centred children of
    // different heights share a row).
    let count = 0;
    let bottom = -Infinity;
    for (const child of element.children) {
      const box = child.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.top >= bottom - 1) count++;
      bottom = Math.max(bottom, box.bottom);
    }
    return count;
  });
}

const sizes = SCREEN_SIZES;

for (const size of sizes) {
  for (const scheme of ['light', 'dark'] as const) {
    test(`Start screen and a lab at ${size.width}x${size.height}, ${scheme}`, async ({ browser }) => {
      const context = await browser.newContext({ colorScheme: scheme, viewport: size });
      const page = await context.newPage();
      const scripts: string[] = [];
      page.on('request', (request) => {
        if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
      });
      await page.goto(cluster.host.url);
      const nav = page.getByRole('navigation', { name: 'Labs' });
      await expect(nav.getByRole('button', { name: /^1\.2 / })).toBeVisible();
      await expect(page.getByRole('heading', { name: 'Preflight' })).toBeVisible();
      await page.waitForLoadState('networkidle');

      // JS before the first click: the Start screen never loads xterm (the terminal chunk).
      expect(scripts.filter((script) => script.includes('terminal-tab'))).toEqual([]);
      expect(await rows(page, '.top-actions')).toBe(1);
      // The security notice and the --kubeconfig notice read as sentences, not as the small upper-case label.
      for (const id of ['external-cluster', 'course-trust']) {
        const notice = page.getByTestId(id);
        if ((await notice.count()) > 0) expect(await notice.evaluate((element) => getComputedStyle(element).textTransform)).toBe('none');
      }
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: path.join(screenshots, `first-hour-start-${size.width}-${scheme}.png`) });

      await nav.getByRole('button', { name: /^1\.2 / }).click();
      await page.getByRole('list', { name: 'Steps of lab 1.2' }).getByRole('button', { name: /^Start a pod with kubectl run / }).click();
      const guide = page.getByRole('main', { name: 'Lab guide' });
      await expect(guide.getByRole('heading', { level: 2 })).toHaveText('Start a pod with kubectl run');
      // The step's own text does not repeat its title as a heading.
      await expect(guide.getByRole('heading', { name: 'Start a pod with kubectl run' })).toHaveCount(1);
      // Nothing done yet: calm "not yet" badges, no red, no hint before "Show a hint".
      await expect(guide.getByRole('status', { name: /: Failed$/ })).toHaveCount(0);
      await expect(guide.getByText(/^Hint:/)).toHaveCount(0);
      // With --kubeconfig, command checks point at the host shell, not at a jumphost to start.
      await expect(guide.getByText(/host shell tab/).first()).toBeVisible();
      // With --kubeconfig and no jumphost, the jumphost tab points to the host shell, not to starting an environment.
      await expect(page.getByText(/there is no jumphost here/)).toBeVisible();
      await expect(page.getByText(/opens by itself once the lab environment is running/)).toHaveCount(0);
      expect(await rows(page, '.top-actions')).toBe(1);
      if (size.width >= 1440) expect(await rows(page, '.terminal-panel .tabs')).toBe(1);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(screenshots, `first-hour-lab-${size.width}-${scheme}.png`) });
      await guide.getByRole('heading', { name: /^Checks/ }).evaluate((element) => element.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: path.join(screenshots, `first-hour-checks-${size.width}-${scheme}.png`) });

      // Presenter mode: the top bar still fits one row.
      await page.getByRole('button', { name: 'Presenter mode' }).click();
      await expect(page.locator('html')).toHaveAttribute('data-presenter', 'on');
      expect(await rows(page, '.top-actions')).toBe(1);
      if (scheme === 'light') await page.screenshot({ path: path.join(screenshots, `first-hour-lab-${size.width}-presenter.png`) });
      await context.close();
    });
  }
}
