import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';

// The browser host as an attendee meets it: `labdeck serve` prints an address, the app opens from it with
// no console errors, under a CSP that stops injected script, and the course's labs are listed.

const cluster = useSampleClusterHost();

test('opens from the printed address with no console errors and lists the labs', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  // The address exactly as `labdeck serve` printed it, with its one-time launch code.
  expect(cluster.host.printedUrl).toMatch(/\/#launch=[A-Za-z0-9_-]{65}$/);
  await page.goto(cluster.host.printedUrl);
  // The code leaves the address bar as soon as the page has read it (what history kept is dead: browser-history.spec.ts).
  await expect(page).toHaveURL(/\/$/);
  expect(page.url()).not.toContain('launch');
  expect(await page.evaluate(() => `${location.href} ${history.length}`)).not.toContain('launch');
  const nav = page.getByRole('navigation', { name: 'Labs' });
  await expect(nav.getByRole('button', { name: /^1\.1 / })).toBeVisible();
  await expect(nav.getByRole('button', { name: /^1\.9 / })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'K8s Networking introduction' })).toBeVisible();
  await page.screenshot({ path: 'e2e/screenshots/app-start.png' });
  expect(problems).toEqual([]);
});

test('the Content-Security-Policy blocks injected inline script and allows no eval', async ({ page }) => {
  const response = await page.goto(cluster.host.url);
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

test('without the token the page loads but says how to get in, and the backend answers nothing', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(new URL('/', cluster.host.url).toString());
  // Static files carry no secret, so they need no token; every API interaction does.
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('alert')).toContainText('labdeck serve');
  await expect(page.getByRole('navigation', { name: 'Labs' })).toHaveCount(0);
  await context.close();
});

test('no credential reaches another service on 127.0.0.1 (no cookie)', async ({ browser }) => {
  // Another local service, like the NodePort page lab 1.9 opens, or a second Labdeck.
  const seen: IncomingHttpHeaders[] = [];
  const other = createServer((request, response) => {
    seen.push(request.headers);
    response.end('other service');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const otherPort = (other.address() as AddressInfo).port;
  const context = await browser.newContext();
  const page = await context.newPage();
  const address = cluster.host.url;
  await page.goto(address);
  await expect(page.getByRole('navigation', { name: 'Labs' })).toBeVisible();
  const secret = await page.evaluate(() => sessionStorage.getItem('labdeck.tabSecret'));
  expect(secret).toBeTruthy();
  await page.goto(`http://127.0.0.1:${otherPort}/`);
  await page.goto(`http://localhost:${otherPort}/`);
  expect(seen.length).toBeGreaterThanOrEqual(2);
  const code = new URL(address).hash.replace('#launch=', '');
  for (const headers of seen) {
    expect(JSON.stringify(headers)).not.toContain(code);
    expect(JSON.stringify(headers)).not.toContain(secret);
  }
  expect((await context.cookies()).length).toBe(0);
  // The page still reconnects after a reload of its own tab.
  await page.goBack();
  await page.goBack();
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Labs' })).toBeVisible();
  await context.close();
  await new Promise<void>((resolve) => other.close(() => resolve()));
});
