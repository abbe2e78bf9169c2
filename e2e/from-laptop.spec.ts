import http from 'node:http';
import { expect, test } from '@playwright/test';
import { readableTerminals } from './support/jumphost-typing.ts';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';

// Lab 1.9 "From your laptop": the step is credited only by the attendee's own action on their laptop. Here the
// attendee types curl into the host shell tab (the real bash of this machine, through xterm, the socket and
// node-pty), first to the wrong port (the check stays red and says why), then runs the step's snippet, which
// goes to the host shell tab; the shell integration reports the line and exit status, and the check turns green. No lab environment runs here, so a local server stands in for the
// NodePort this computer would publish (nodePort 30080 on port 30080).

test.use(readableTerminals);
const cluster = useSampleClusterHost();

let nginx: http.Server | undefined;
test.beforeAll(async () => {
  nginx = http.createServer((_request, response) => response.end('<title>Welcome to nginx!</title>\n'));
  await new Promise<void>((resolve, reject) => {
    nginx?.once('error', reject);
    nginx?.listen(30080, '127.0.0.1', resolve);
  });
});
test.afterAll(async () => {
  await new Promise((resolve) => nginx?.close(resolve));
});

test("curl in the host shell tab completes the laptop step's command check; the wrong port does not", async ({ page }) => {
  await page.goto(cluster.host.url);
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.9 / }).click();
  await page.getByRole('list', { name: 'Steps of lab 1.9' }).getByRole('button', { name: /^From your laptop/ }).click();
  const guide = page.getByRole('main', { name: 'Lab guide' });
  await expect(guide.getByRole('heading', { level: 2 })).toHaveText('From your laptop');
  await expect(guide.getByRole('link', { name: 'http://localhost:30080/' })).toBeVisible();
  const title = "You opened nginx from your laptop (the step's link, or curl in the host shell tab)";
  await expect(guide.getByRole('status', { name: new RegExp(`^${title.replace(/[()]/g, '\\$&')}: (Waiting|Not yet|Failed)$`) })).toBeVisible();

  const terminals = page.getByRole('tablist', { name: 'Terminals' });
  await terminals.getByRole('tab', { name: /^host shell/ }).click();
  const terminal = page.locator('[data-terminal="host"]');
  const rows = terminal.locator('.xterm-rows');
  await terminal.click();
  await page.keyboard.type('echo shell-$((6*7))\n', { delay: 10 });
  await expect(rows).toContainText('shell-42', { timeout: 30_000 });

  await page.keyboard.type('curl -s http://localhost:30081/\n', { delay: 10 });
  const failed = guide.getByRole('status', { name: `${title}: Failed` });
  await expect(failed).toBeVisible({ timeout: 15_000 });
  await expect(guide.getByText(/uses port 30081, expected port 30080/)).toBeVisible();

  // The step's snippet types the right command into the host shell tab, as the attendee's click.
  await guide.getByRole('button', { name: '▶ Run in host shell' }).first().click();
  await expect(rows).toContainText('Welcome to nginx!');
  await expect(guide.getByRole('status', { name: `${title}: Passed` })).toBeVisible({ timeout: 15_000 });
  await guide.getByRole('status', { name: `${title}: Passed` }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('from-laptop-passed.png') });
});
