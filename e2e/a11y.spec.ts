import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';

// Accessibility of every screen with axe-core (the maintained accessibility engine), in light, dark and
// presenter mode, and the keyboard paths a mouse-free attendee needs: out of the terminal and the
// editor, into a chosen lab, through and out of the shortcuts dialog.

const cluster = useSampleClusterHost();

/** Serious and critical axe findings on the page as it is now, one readable line each. */
async function seriousViolations(page: Page, only?: string): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']);
  if (only) builder = builder.include(only);
  const results = await builder.analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 5).join(' | ')}`);
}

/** The focused element's tag and label, or BODY when focus fell out of every control. */
function focusedControl(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement;
    return active ? `${active.tagName} ${active.getAttribute('aria-label') ?? active.textContent?.trim().slice(0, 40) ?? ''}` : 'none';
  });
}

const modes = [
  { name: 'light', colorScheme: 'light', presenter: false },
  { name: 'dark', colorScheme: 'dark', presenter: false },
  { name: 'presenter', colorScheme: 'light', presenter: true },
  { name: 'presenter dark', colorScheme: 'dark', presenter: true },
] as const;

for (const mode of modes) {
  test(`no serious or critical axe violations on any screen in ${mode.name} mode`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: mode.colorScheme, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(cluster.host.url);
    const nav = page.getByRole('navigation', { name: 'Labs' });
    await expect(nav.getByRole('button', { name: /^1\.2 / })).toBeVisible();
    if (mode.presenter) {
      await page.getByRole('button', { name: 'Presenter mode' }).click();
      await expect(page.locator('html')).toHaveAttribute('data-presenter', 'on');
    }
    const found: Record<string, string[]> = {};

    await expect(page.getByRole('heading', { name: 'Preflight' })).toBeVisible();
    found.start = await seriousViolations(page);

    await nav.getByRole('button', { name: /^1\.2 / }).click();
    const guide = page.getByRole('main', { name: 'Lab guide' });
    await expect(guide.getByRole('heading', { level: 2 })).toBeVisible();
    await expect(guide.getByRole('status', { name: /^Pod nginx-kubectl runs the nginx image: / }).or(guide.getByRole('status').first())).toBeVisible();
    found['lab guide + terminal'] = await seriousViolations(page);

    await page.getByRole('tab', { name: 'Editor' }).click();
    await expect(page.locator('.monaco-editor').first()).toBeVisible();
    found.editor = await seriousViolations(page);

    await page.getByRole('tab', { name: 'Network map' }).click();
    await expect(page.getByRole('region', { name: 'Network map' })).toBeVisible();
    found['network map'] = await seriousViolations(page);

    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
    found['shortcuts dialog'] = await seriousViolations(page);
    await page.keyboard.press('Escape');

    expect(Object.fromEntries(Object.entries(found).filter(([, list]) => list.length > 0))).toEqual({});
    await context.close();
  });
}

test('the terminal is no keyboard trap: Esc then Tab and F6 leave it, app shortcuts reach the app, focus shows', async ({ page }) => {
  await page.goto(cluster.host.url);
  await expect(page.getByRole('navigation', { name: 'Labs' })).toBeVisible();
  await page.keyboard.press('Control+Backquote');
  const input = page.locator('[data-terminal="jumphost"] textarea');
  await expect(input).toBeFocused();
  // The way out is written next to the terminal while it has focus, and the terminal is outlined.
  await expect(page.getByText('leaves the terminal')).toBeVisible();
  const outline = await page.locator('[data-terminal="jumphost"]').evaluate((element) => getComputedStyle(element).outlineStyle);
  expect(outline).toBe('solid');

  // Tab alone stays in the shell (completion) …
  await page.keyboard.press('Tab');
  await expect(input).toBeFocused();
  // … Escape then Tab moves on, Escape then Shift+Tab moves back.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  await expect(input).not.toBeFocused();
  // … onto a control, not the page body (the terminal is the page's last control: Tab goes round to the first).
  expect(await focusedControl(page)).toMatch(/^(BUTTON|A|INPUT|SELECT|TEXTAREA)/);
  await page.keyboard.press('Control+Backquote');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Tab');
  await expect(input).not.toBeFocused();
  expect(await focusedControl(page)).toMatch(/^(BUTTON|A|INPUT|SELECT|TEXTAREA)/);

  // F6 leaves to the next area (the top bar), Shift+F6 back to the workspace.
  await page.keyboard.press('Control+Backquote');
  await page.keyboard.press('F6');
  expect(await page.evaluate(() => document.querySelector('header.topbar')?.contains(document.activeElement))).toBe(true);
  await page.keyboard.press('Shift+F6');
  await expect(page.getByRole('tab', { name: 'Terminal' })).toBeFocused();

  // F1 from inside the terminal opens the shortcuts, which list the ways out; closing returns focus.
  await page.keyboard.press('Control+Backquote');
  await page.keyboard.press('F1');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Esc then Tab');
  await expect(dialog).toContainText('Ctrl+M in the editor');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(input).toBeFocused();
});

test('Ctrl+M then Tab leaves the editor for the next control, not the page body', async ({ page }) => {
  await page.goto(cluster.host.url);
  await page.getByRole('tab', { name: 'Editor' }).click();
  const inEditor = () => page.evaluate(() => document.activeElement?.closest('.monaco-editor') !== null && document.activeElement?.closest('.monaco-editor') !== undefined);
  await page.locator('.yaml-editor .monaco-editor .view-lines').click();
  await expect.poll(inEditor).toBe(true);
  await page.keyboard.press('Control+M');
  await page.keyboard.press('Tab');
  expect(await inEditor()).toBe(false);
  expect(await focusedControl(page)).toMatch(/^(BUTTON|A|INPUT|SELECT|TEXTAREA)/);
});

test('the shortcuts dialog keeps Tab inside and gives focus back to its opener', async ({ page }) => {
  await page.goto(cluster.host.url);
  const opener = page.getByRole('button', { name: 'Keyboard shortcuts' });
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Shift+Tab');
  expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
  await dialog.getByRole('button', { name: 'Close' }).press('Enter');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
});

test('choosing a lab with Enter moves focus to its guide', async ({ page }) => {
  await page.goto(cluster.host.url);
  const lab = page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.3 / });
  await lab.focus();
  await page.keyboard.press('Enter');
  const title = page.getByRole('main', { name: 'Lab guide' }).getByRole('heading', { level: 2 });
  await expect(title).toBeFocused();
});

test('every button has a name a screen reader can say', async ({ page }) => {
  await page.goto(cluster.host.url);
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / }).click();
  await expect(page.getByRole('main', { name: 'Lab guide' }).getByRole('heading', { level: 2 })).toBeVisible();
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('button')]
      .filter((button) => button.getClientRects().length > 0)
      .filter((button) => !(button.getAttribute('aria-label') || button.getAttribute('aria-labelledby') || /[A-Za-z]/.test(button.textContent ?? '')))
      .map((button) => button.outerHTML.slice(0, 120)),
  );
  expect(unnamed).toEqual([]);
});

test('every step of every lab has no serious or critical axe violations, light and dark', async ({ browser }) => {
  test.setTimeout(300_000);
  const problems: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ colorScheme, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(cluster.host.url);
    const nav = page.getByRole('navigation', { name: 'Labs' });
    await expect(nav.getByRole('button', { name: /^1\.9 / })).toBeVisible();
    for (const lab of ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9']) {
      await nav.getByRole('button', { name: new RegExp(`^${lab.replace('.', '\\.')} `) }).click();
      const steps = page.getByRole('list', { name: `Steps of lab ${lab}` }).getByRole('button');
      await expect(steps.first()).toBeVisible();
      const count = await steps.count();
      for (let index = 0; index < count; index++) {
        await steps.nth(index).click();
        await expect(page.getByRole('main', { name: 'Lab guide' }).getByText(`Step ${index + 1} of ${count}`)).toBeVisible();
        // The guide is what changes from step to step; the rest of the window is covered above.
        for (const problem of await seriousViolations(page, 'main')) problems.push(`${colorScheme} lab ${lab} step ${index + 1}: ${problem}`);
      }
    }
    await context.close();
  }
  expect(problems).toEqual([]);
});

test('the theme switch overrides the system setting and is remembered', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(cluster.host.url);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(14, 19, 27)');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('combobox', { name: 'Theme' })).toHaveValue('dark');
  await page.getByRole('combobox', { name: 'Theme' }).selectOption('system');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await context.close();
});
