import { expect, test } from '@playwright/test';
import { startHost } from './support/host.ts';
import { startKubeApiTestDouble } from './support/kube-api-test-double.ts';
import { sampleClusterObjects } from './support/sample-cluster.ts';

// The browser host as an attendee meets it: `labdeck serve` prints an address, the app opens from it with
// no console errors, under a CSP that stops injected script, and the course's labs are listed.

let double: Awaited<ReturnType<typeof startKubeApiTestDouble>>;
let host: Awaited<ReturnType<typeof startHost>>;

test.beforeAll(async () => {
  double = await startKubeApiTestDouble({ objects: sampleClusterObjects() });
  host = await startHost({ kubeconfig: double.kubeconfigPath });
});

test.afterAll(async () => {
  await host?.close();
  await double?.close();
});

test('opens from the printed address with no console errors and lists the labs', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(host.url);
  // The token is traded for a cookie and leaves the address bar.
  await expect(page).toHaveURL(/\/$/);
  expect(page.url()).not.toContain('token');
  const nav = page.getByRole('navigation', { name: 'Labs' });
  await expect(nav.getByRole('button', { name: /^1\.1 / })).toBeVisible();
  await expect(nav.getByRole('button', { name: /^1\.9 / })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'K8s Networking introduction' })).toBeVisible();
  await page.screenshot({ path: 'e2e/screenshots/app-start.png' });
  expect(problems).toEqual([]);
});

test('the Content-Security-Policy blocks injected inline script and allows no eval', async ({ page }) => {
  const response = await page.goto(host.url);
  // Playwright's own evaluate is exempt from CSP, so eval is judged from the policy the page was served with.
  const policy = (await response?.allHeaders())?.['content-security-policy'] ?? '';
  expect(policy).toContain("script-src 'self'");
  expect(policy).not.toMatch(/unsafe-eval|unsafe-inline[^;]*;.*script-src|script-src[^;]*unsafe-inline/);
  await expect(page.getByRole('navigation', { name: 'Labs' })).toBeVisible();
  const outcome = await page.evaluate(async () => {
    const violation = new Promise<string>((resolve) => document.addEventListener('securitypolicyviolation', (event) => resolve(event.violatedDirective), { once: true }));
    const script = document.createElement('script');
    script.textContent = 'window.__injected = true';
    document.body.append(script);
    return { directive: await violation, injected: (window as { __injected?: boolean }).__injected === true };
  });
  expect(outcome.injected).toBe(false);
  expect(outcome.directive).toMatch(/^script-src/);
});

test('without the token there is no app, only the way to get it', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(new URL('/', host.url).toString());
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('labdeck serve');
  await context.close();
});
