import { expect, type Page } from '@playwright/test';
import config, { chromiumPath } from '../../playwright.config.ts';

/**
 * Chromium without WebGL, so xterm draws with its DOM renderer and a spec can read the terminal from the
 * page; it is also the renderer attendees get when their GPU refuses WebGL. For `test.use(...)`.
 */
export const readableTerminals = {
  launchOptions: { executablePath: chromiumPath, args: [...(config.use?.launchOptions?.args ?? []), '--disable-3d-apis'] },
};

/**
 * Types one line into the jumphost terminal and waits until the shell echoed it and prompted again. Right
 * after a page (re)load the terminal may attach to a shell whose first prompt is replaced once, so a line
 * that did not come back is typed again (at most three times).
 */
export async function typeInJumphost(page: Page, line: string): Promise<void> {
  const terminal = page.locator('[data-terminal="jumphost"]');
  const rows = terminal.locator('.xterm-rows');
  await expect(rows).toContainText(/ubuntu@\S+:~\$/, { timeout: 30_000 });
  for (let attempt = 0; ; attempt++) {
    await terminal.click();
    await page.keyboard.type(`${line}\n`, { delay: 20 });
    try {
      await expect(rows).toContainText(new RegExp(`\\$ ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*ubuntu@`), { timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 2) throw error;
    }
  }
}

/**
 * The API test double listens on this machine's loopback, which the jumphost container cannot reach: a
 * shell function answers for kubectl (exit 0), while the line the attendee types is recorded as it is.
 */
export async function answerKubectlLocally(page: Page): Promise<void> {
  await typeInJumphost(page, 'kubectl() { true; }');
}
