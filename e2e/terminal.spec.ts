import { expect, test, type Locator, type Page } from '@playwright/test';
import { startHost } from './support/host.ts';
import { readableTerminals } from './support/jumphost-typing.ts';
import { startKubeApiTestDouble } from './support/kube-api-test-double.ts';
import { jumphostBlocker, startE2eJumphost, type E2eJumphost } from './support/lab-jumphost.ts';
import { sampleClusterObjects } from './support/sample-cluster.ts';

// The terminal panel against the browser host and a REAL jumphost container (docker exec, bash, the
// command recorder). The Kubernetes API test double stands in for the cluster.
//
test.use(readableTerminals);

const blocker = await jumphostBlocker();
test.skip(blocker !== null, `needs Docker and the jumphost image: ${blocker}`);

let double: Awaited<ReturnType<typeof startKubeApiTestDouble>>;
let host: Awaited<ReturnType<typeof startHost>>;
let jumphost: E2eJumphost;

test.beforeAll(async () => {
  jumphost = await startE2eJumphost();
  double = await startKubeApiTestDouble({ objects: sampleClusterObjects() });
  host = await startHost({ kubeconfig: double.kubeconfigPath });
});

test.afterAll(async () => {
  await host?.close();
  await double?.close();
  await jumphost?.cleanup();
});

function jumphostScreen(page: Page): Locator {
  return page.locator('[data-terminal="jumphost"] .xterm-rows');
}

async function openJumphost(page: Page): Promise<Locator> {
  await page.goto(host.url);
  await expect(page.getByRole('tablist', { name: 'Terminals' })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'jumphost' })).toHaveAttribute('aria-selected', 'true');
  // The Start screen opens no shell by itself (xterm loads with the first terminal asked for).
  await page.getByRole('tab', { name: 'jumphost' }).click();
  const screen = jumphostScreen(page);
  await expect(screen).toContainText(/ubuntu@\S+:~\$/, { timeout: 30_000 });
  await page.locator('[data-terminal="jumphost"]').click();
  return screen;
}

test('runs echo and hostname in the jumphost tab and shows their output', async ({ page }) => {
  const screen = await openJumphost(page);
  // The shell computes this, so the match is the command's output and not the echo of what was typed.
  await page.keyboard.type('echo "labdeck-$((6 * 7)) grüße"\n');
  await expect(screen).toContainText('labdeck-42 grüße');
  await page.keyboard.type('hostname\n');
  await expect(screen.locator(':scope > div', { hasText: new RegExp(`^${jumphost.hostname}\\s*$`) })).toHaveCount(1);
  await page.screenshot({ path: 'e2e/screenshots/terminal.png' });
});

test('keeps the scrollback across tab switches and reloads', async ({ page }) => {
  const screen = await openJumphost(page);
  await page.keyboard.type('echo "kept-$((2 + 3))"\n');
  await expect(screen).toContainText('kept-5');
  await page.getByRole('tab', { name: 'Editor' }).click();
  await page.getByRole('tab', { name: 'Terminal' }).click();
  await expect(screen).toContainText('kept-5');
  await page.reload();
  await expect(jumphostScreen(page)).toContainText('kept-5', { timeout: 30_000 });
});

test('`yes` floods the terminal, the app stays responsive and Ctrl-C stops it', async ({ page }) => {
  const screen = await openJumphost(page);
  await page.keyboard.type('yes\n');
  await expect(screen).toContainText(/(y\s*){10}/);
  await page.waitForTimeout(2_000);

  // The page still answers: timers fire on time and the workspace tabs switch.
  const timerDelay = await page.evaluate(() => new Promise<number>((resolve) => {
    const started = performance.now();
    setTimeout(() => resolve(performance.now() - started), 0);
  }));
  expect(timerDelay).toBeLessThan(250);
  await page.getByRole('tab', { name: 'Editor' }).click();
  await expect(page.getByRole('toolbar', { name: 'Manifest actions' })).toBeVisible();
  await page.getByRole('tab', { name: 'Terminal' }).click();
  await page.locator('[data-terminal="jumphost"]').click();

  const pressed = Date.now();
  await page.keyboard.press('Control+c');
  // The screen the backend sends after Ctrl-C lands on the page's own rows: ^C stays, the prompt follows.
  await expect(screen).toContainText(/\^C\s*ubuntu@\S+:~\$\s*$/, { timeout: 10_000 });
  await page.keyboard.type('echo "stopped-$((40 + 2))"\n');
  await expect(screen).toContainText('stopped-42', { timeout: 10_000 });
  const answeredMs = Date.now() - pressed;
  console.log(`Ctrl-C answered after ${answeredMs} ms`);

  // The flood is over: once the prompt is back after the echo, the screen no longer changes. (The prompt
  // may come in a later event than the echo's output, as bash writes it separately.)
  await expect(screen).toContainText(/stopped-42\s*ubuntu@\S+:~\$\s*$/);
  const first = await screen.innerText();
  await page.waitForTimeout(1_000);
  expect(await screen.innerText()).toBe(first);
  await page.screenshot({ path: 'e2e/screenshots/terminal-after-flood.png' });
});

test('a command check passes after its command is typed in the jumphost', async ({ page }) => {
  await openJumphost(page);
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.1 / }).click();
  const guide = page.getByRole('main', { name: 'Lab guide' });
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /Read the kubeconfig/ }).click();
  await expect(guide.getByRole('heading', { level: 2 })).toHaveText('Read the kubeconfig');
  await expect(guide.getByRole('status', { name: /^You displayed the kubeconfig: (Waiting|Not yet|Failed)$/ })).toBeVisible();

  await page.locator('[data-terminal="jumphost"]').click();
  await page.keyboard.type('kubectl config view\n');
  await expect(guide.getByRole('status', { name: 'You displayed the kubeconfig: Passed' })).toBeVisible({ timeout: 20_000 });
});
