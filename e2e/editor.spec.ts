import { expect, test, type Page } from '@playwright/test';
import { useSampleClusterHost } from './support/sample-cluster-host.ts';

// The YAML editor (Monaco + monaco-yaml, workers bundled) against the browser host, with the Kubernetes
// API test double as the cluster. The double runs no controllers, so the spec plays the kubelet and sets
// the pod's status itself.

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

const cluster = useSampleClusterHost();

const POD_CHECK = 'Pod nginx carries the label name=nginx and runs nginx';

function editor(page: Page) {
  return page.getByRole('region', { name: 'YAML editor' });
}

/** Lab 1.2, step "Create the pod nginx from YAML", with its manifest opened in the editor. */
async function openPodManifest(page: Page) {
  await page.goto(cluster.host.url);
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / }).click();
  const guide = page.getByRole('main', { name: 'Lab guide' });
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /Create the pod nginx from YAML/ }).click();
  await expect(guide.getByRole('heading', { level: 2 })).toHaveText('Create the pod nginx from YAML');
  await guide.getByRole('button', { name: '✎ Open in editor' }).first().click();
  await expect(editor(page).locator('.monaco-editor .view-lines')).toContainText('kind: Pod');
  await expect(editor(page).getByText(/^Schema: (live cluster|bundled)$/)).toBeVisible({ timeout: 30_000 });
  return guide;
}

/** Replaces the editor's text by pasting it, as an attendee would (typing would trigger auto-indent). */
async function setEditorText(page: Page, text: string) {
  await editor(page).locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  await page.keyboard.press('ControlOrMeta+V');
}

const podYaml = (image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    name: nginx
spec:
  containers:
    - name: nginx
      image: ${image}
`;

test('Apply creates the pod, a wrong image tag is named in the reason, and the badge turns green by itself', async ({ page }) => {
  const guide = await openPodManifest(page);

  // First with a tag the step does not ask for: the check's reason names what is wrong.
  await setEditorText(page, podYaml('nginx:no-such-tag'));
  await editor(page).getByRole('button', { name: 'Apply' }).click();
  await expect(editor(page).getByText('pod/nginx created (namespace default)')).toBeVisible();
  expect(cluster.double.objects().find((object) => object.kind === 'Pod' && object.metadata.name === 'nginx')).toBeTruthy();
  const check = guide.getByRole('listitem', { name: new RegExp(`^Check ${POD_CHECK}`) });
  await expect(check.getByRole('status')).toHaveAccessibleName(`${POD_CHECK}: Failed`);
  await expect(check).toContainText('nginx:no-such-tag');

  // Then the manifest as the guide gives it; the kubelet's part (Running) is played through the double.
  await setEditorText(page, podYaml('nginx'));
  await editor(page).getByRole('button', { name: 'Apply' }).click();
  await expect(editor(page).getByText('pod/nginx configured (namespace default)')).toBeVisible();
  await cluster.double.patchStatus({ kind: 'Pod', namespace: 'default', name: 'nginx' }, { phase: 'Running', podIP: '10.244.1.9', hostIP: '10.1.1.3' });
  await expect(check.getByRole('status')).toHaveAccessibleName(`${POD_CHECK}: Passed`, { timeout: 20_000 });
  await check.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/screenshots/editor-applied.png' });

  // Diff shows live against proposed in Monaco's diff editor.
  await setEditorText(page, podYaml('nginx:1.27'));
  await editor(page).getByRole('button', { name: 'Diff' }).click();
  const diff = page.getByRole('region', { name: 'Diff against the live cluster' });
  await expect(diff.locator('.monaco-diff-editor')).toBeVisible();
  // Side by side or inline (narrow panels), the live line is marked removed and the edited one added.
  await expect(diff.locator('.monaco-diff-editor')).toContainText('image: nginx:1.27');
  await expect(diff.locator('.line-delete').first()).toBeVisible();
  await expect(diff.locator('.line-insert').first()).toBeVisible();
  await page.screenshot({ path: 'e2e/screenshots/editor-diff.png' });
  await diff.getByRole('button', { name: 'Close diff' }).click();
});

test('invalid YAML gets an error marker at its line and nothing is sent', async ({ page }) => {
  await openPodManifest(page);
  await setEditorText(page, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\n  labels\n  x: 1\n');
  const sentBefore = cluster.double.requests().filter((request) => !request.startsWith('GET')).length;

  await editor(page).getByRole('button', { name: 'Apply' }).click();
  await expect(editor(page).getByRole('button', { name: /^Line 5: / })).toBeVisible();
  await expect(editor(page).getByText(/^Not sent: 1 problem/)).toBeVisible();
  // The squiggle sits on line 5 of the editor.
  const line5Top = await editor(page).locator('.monaco-editor .line-numbers', { hasText: /^5$/ }).evaluate((element) => element.parentElement?.getBoundingClientRect().top ?? element.getBoundingClientRect().top);
  const squiggleTops = await editor(page).locator('.monaco-editor .squiggly-error').evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().top));
  expect(squiggleTops.some((top) => Math.abs(top - line5Top) < 4)).toBe(true);

  expect(cluster.double.requests().filter((request) => !request.startsWith('GET')).length).toBe(sentBefore);
  expect(cluster.double.objects().some((object) => object.metadata.name === 'broken')).toBe(false);
  await page.screenshot({ path: 'e2e/screenshots/editor-invalid.png' });
});

test('an over-indented key is marked once, as you type, on its own line and in plain words', async ({ page }) => {
  await openPodManifest(page);
  await setEditorText(page, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n    labels: x\nspec:\n  containers: []\n');
  // No click: the backend's validation marks it while typing, on line 5 where the fix goes.
  const line5Top = await editor(page).locator('.monaco-editor .line-numbers', { hasText: /^5$/ }).evaluate((element) => element.getBoundingClientRect().top);
  await expect
    .poll(async () => editor(page).locator('.monaco-editor .squiggly-error').evaluateAll((elements) => elements.map((element) => Math.round(element.getBoundingClientRect().top))))
    .toEqual([expect.closeTo(line5Top, -1)]);
  await editor(page).getByRole('button', { name: 'Validate' }).click();
  const listed = editor(page).getByRole('list', { name: 'Problems' }).getByRole('button');
  await expect(listed).toHaveCount(1);
  await expect(listed).toHaveText(/^Line 5: `labels` is indented further than `name`/);
});

test('completion offers Kubernetes fields from the schema', async ({ page }) => {
  await openPodManifest(page);
  await setEditorText(page, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  ');
  await page.keyboard.press('Control+Space');
  const suggestions = editor(page).locator('.suggest-widget .monaco-list-row');
  await expect(suggestions.filter({ hasText: /^containers/ })).toBeVisible({ timeout: 20_000 });
});

test('problems are listed once with one severity, cleared once fixed, and the text survives a reload', async ({ page }) => {
  await openPodManifest(page);
  await setEditorText(page, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: typed\nspec:\n  containers: 5\n');
  await editor(page).getByRole('button', { name: 'Validate' }).click();
  const listed = editor(page).getByRole('list', { name: 'Problems' }).getByRole('button');
  await expect(listed.first()).toBeVisible();
  const first = (await listed.first().textContent())?.replace(/^Line \d+: /, '') ?? '';
  // The summary counts; it does not repeat the list.
  await expect(editor(page).getByText(first, { exact: false })).toHaveCount(1);
  // While typing and after Validate alike, a problem is drawn as an error, never as a yellow warning.
  await page.screenshot({ path: test.info().outputPath('editor-problems.png') });
  await expect(editor(page).locator('.monaco-editor .squiggly-error').first()).toBeVisible();
  await expect(editor(page).locator('.monaco-editor .squiggly-warning')).toHaveCount(0);

  await setEditorText(page, podYaml('nginx:1.27-alpine'));
  await expect(editor(page).getByText(/^Not sent/)).toHaveCount(0);
  await expect(editor(page).getByRole('list', { name: 'Problems' })).toHaveCount(0);

  await page.waitForTimeout(600);
  await page.reload();
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('button', { name: /^1\.2 / }).click();
  await page.getByRole('tab', { name: 'Editor' }).click();
  await expect(editor(page).locator('.monaco-editor .view-lines')).toContainText('nginx:1.27-alpine');
});
