import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startHost, type StartedHost } from './support/host.ts';
import { answerKubectlLocally, readableTerminals, typeInJumphost } from './support/jumphost-typing.ts';
import { startKubeApiTestDouble } from './support/kube-api-test-double.ts';
import { jumphostBlocker, startE2eJumphost, type E2eJumphost } from './support/lab-jumphost.ts';

// Issue 11 end to end, in Chromium against the browser host: an instructor makes a signed pack carrying a
// tiny local image; the attendee opens it from the start screen ("Open course…", the page uploads it),
// trusts the publisher after seeing name and fingerprint, sees the image load into Docker, passes a lab
// step (the Kubernetes API test double for the cluster, a real jumphost container for the command typed),
// exports the report, and `labdeck verify-report` accepts it.

// xterm's DOM renderer (no WebGL), so the jumphost prompt can be read from the page, as in terminal.spec.ts.
test.use(readableTerminals);

const blocker = await jumphostBlocker();
test.skip(blocker !== null, `needs Docker and the jumphost image: ${blocker}`);

const run = promisify(execFile);
const labdeck = (...args: string[]) => run(process.execPath, ['electron/cli/labdeck.js', ...args], { maxBuffer: 16 * 1024 * 1024 });
const docker = (...args: string[]) => run('docker', args, { maxBuffer: 16 * 1024 * 1024 });

const PUBLISHER = 'Instructor Ada';
const TITLE = 'Networking workshop (packed)';
// A throwaway tag per run, labelled as Labdeck's, removed afterwards.
const IMAGE = `labdeck-e2e/workload:pack-${randomBytes(4).toString('hex')}`;
const shots = process.env.LABDECK_SCREENSHOTS ?? path.join(os.tmpdir(), 'labdeck-course-pack');

let work: string;
let pack: string;
let fingerprint: string;
let double: Awaited<ReturnType<typeof startKubeApiTestDouble>>;
let host: StartedHost | undefined;
let jumphost: E2eJumphost | undefined;

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  work = await mkdtemp(path.join(os.tmpdir(), 'labdeck-e2e-pack-'));
  await mkdir(shots, { recursive: true });

  // The course: this repository's labs, under its own title and version.
  const course = path.join(work, 'course');
  await cp('labs', course, { recursive: true, filter: (source) => !source.endsWith('.test.ts') });
  await writeFile(path.join(course, 'course.yaml'), `id: k8s-networking\ntitle: ${TITLE}\nversion: 1.2.0\norganization: Labdeck e2e\n`);

  // A tiny image made locally (no registry): one file, imported and labelled, saved like `env bundle` does.
  const root = path.join(work, 'rootfs');
  await mkdir(root);
  await writeFile(path.join(root, 'hello.txt'), 'hello from a course pack\n');
  await run('tar', ['-C', root, '-cf', path.join(work, 'rootfs.tar'), '.']);
  await docker('import', '--change', 'LABEL dev.labdeck.managed=true', '--change', 'LABEL dev.labdeck.env=e2e-course-pack', path.join(work, 'rootfs.tar'), IMAGE);
  const imageId = (await docker('image', 'inspect', '--format', '{{.Id}}', IMAGE)).stdout.trim();
  const bundle = path.join(work, 'bundle');
  await mkdir(path.join(bundle, 'images'), { recursive: true });
  const fileName = `images/${IMAGE.replace(/[/:@]+/g, '_')}.tar`;
  await docker('save', IMAGE, '-o', path.join(bundle, fileName));
  const saved = path.join(bundle, fileName);
  await writeFile(
    path.join(bundle, 'bundle.json'),
    JSON.stringify({ format: 1, labdeckVersion: 'e2e', kubernetesVersion: 'e2e', updatedAt: new Date().toISOString(), images: [{ name: IMAGE, section: 'images', file: fileName, imageId, size: (await stat(saved)).size, sha256: await sha256(saved) }] }),
  );
  // Gone from the engine, so opening the pack has to load it.
  await docker('rmi', IMAGE);

  // The instructor's key and the signed pack.
  await labdeck('keys', 'new', '--name', PUBLISHER, '--out', path.join(work, 'keys'));
  fingerprint = (JSON.parse(await readFile(path.join(work, 'keys', 'Instructor-Ada.labdeck-pub'), 'utf8')) as { fingerprint: string }).fingerprint;
  pack = path.join(work, 'networking.labdeck');
  await labdeck('pack', course, '--out', pack, '--key', path.join(work, 'keys', 'Instructor-Ada.labdeck-key'), '--images-from', bundle);

  double = await startKubeApiTestDouble();
  jumphost = await startE2eJumphost();
});

test.afterAll(async () => {
  await host?.close();
  await double?.close();
  await jumphost?.cleanup();
  await docker('rmi', IMAGE).catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
});

/** Step 1 of lab 1.2 as `kubectl run nginx-kubectl --image=nginx --restart=Never` leaves it once it runs. */
async function createNginxKubectlPod() {
  await double.upsert({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx-kubectl', namespace: 'default', labels: { run: 'nginx-kubectl' } },
    spec: { nodeName: 'worker1', restartPolicy: 'Never', containers: [{ name: 'nginx-kubectl', image: 'nginx' }] },
    status: { phase: 'Running', podIP: '10.244.1.5', hostIP: '10.1.1.3' },
  });
}

/** Serious and critical axe findings on what the page shows now (the same rules as a11y.spec.ts). */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 5).join(' | ')}`);
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

test('open a signed pack from the start screen, load its image, pass a step, export a report the grader verifies', async ({ page }) => {
  test.setTimeout(180_000);
  // A data folder of the test's own: the next start below reuses it after this host has stopped.
  const dataDir = path.join(work, 'data');
  await mkdir(dataDir);
  host = await startHost({ kubeconfig: double.kubeconfigPath, dataDir });
  await page.goto(host.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('K8s Networking introduction');
  await expect(page.locator('[data-trust="folder"]')).toContainText('trusts it like code');

  // "Open course…": the browser shell has no native dialog, so the page's own file chooser opens.
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('region', { name: 'K8s Networking introduction' }).getByRole('button', { name: 'Open course…' }).click();
  await (await chooser).setFiles(pack);

  const dialog = page.getByRole('dialog', { name: 'Open course' });
  await expect(dialog.getByTestId('publisher-name')).toHaveText(PUBLISHER, { timeout: 30_000 });
  await expect(dialog.getByTestId('publisher-fingerprint')).toHaveText(fingerprint);
  await expect(dialog).toContainText(`${TITLE} 1.2.0`);
  await shot(page, '1-trust-publisher');
  expect(await seriousViolations(page)).toEqual([]);

  await dialog.getByRole('button', { name: `Trust ${PUBLISHER} and open` }).click();
  await expect(dialog.getByTestId('images-message')).toContainText('1 image(s) loaded into Docker', { timeout: 60_000 });
  await expect(dialog.locator(`li[data-stage="images"][data-image="${IMAGE}"]`)).toContainText(`${IMAGE} is ready`);
  await shot(page, '2-images-loaded');
  // Really in Docker now, with the labels it was made with.
  const labels = JSON.parse((await docker('image', 'inspect', '--format', '{{json .Config.Labels}}', IMAGE)).stdout) as Record<string, string>;
  expect(labels['dev.labdeck.managed']).toBe('true');

  // The page starts over on the new course; the start screen names the publisher and fingerprint.
  await dialog.getByRole('button', { name: `Continue with ${TITLE}` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(TITLE);
  await expect(page.locator('[data-trust="pack"]')).toContainText(`signed by ${PUBLISHER} (${fingerprint})`);
  await shot(page, '3-course-open');

  // Remembered for the next start (the app data folder).
  const remembered = JSON.parse(await readFile(path.join(host.dataDir, 'current-course.json'), 'utf8')) as { trust: { fingerprint: string } };
  expect(remembered.trust.fingerprint).toBe(fingerprint);

  // A lab step of the opened course passes: the pod is in the cluster and the attendee typed the command.
  const nav = page.getByRole('navigation', { name: 'Labs' });
  await nav.getByRole('button', { name: /^1\.2 / }).click();
  const guide = page.getByRole('main', { name: 'Lab guide' });
  await page.getByRole('list', { name: 'Steps of lab 1.2' }).getByRole('button', { name: /^Start a pod with kubectl run/ }).click();
  await createNginxKubectlPod();
  // The page reloaded onto the new course; its terminal attaches to the new backend's shell.
  await answerKubectlLocally(page);
  await typeInJumphost(page, 'kubectl get pods -o wide');
  await expect(page.getByRole('list', { name: 'Steps of lab 1.2' }).getByRole('button', { name: /^Start a pod with kubectl run \(done\)$/ })).toBeVisible({ timeout: 30_000 });
  // The page turned to the next step by itself.
  await expect(guide.getByRole('heading', { level: 2 })).not.toHaveText(/^Start a pod with kubectl run/);
  await shot(page, '4-step-passed');

  // Export the report (the page downloads the .json and the .html).
  const downloads: string[] = [];
  page.on('download', (download) => {
    const target = path.join(work, download.suggestedFilename());
    downloads.push(target);
    void download.saveAs(target);
  });
  await page.getByLabel('Your name on the report').fill('Ada Attendee');
  await page.getByRole('button', { name: 'Export report' }).click();
  await expect.poll(async () => {
    const json = downloads.find((file) => file.endsWith('.json'));
    return json ? (await stat(json).catch(() => null))?.size ?? 0 : 0;
  }).toBeGreaterThan(0);
  await shot(page, '5-report-exported');
  const report = downloads.find((file) => file.endsWith('.json'))!;
  expect(JSON.parse(await readFile(report, 'utf8'))).toMatchObject({ course: { id: 'k8s-networking', version: '1.2.0', title: TITLE } });

  // The grader's check, against the same pack.
  // Exit code 1 on any finding would reject here; the JSON says what was re-run on the evidence.
  const verified = JSON.parse((await labdeck('verify-report', report, '--course', pack, '--json')).stdout) as { ok: boolean; findings: unknown[]; reevaluated: unknown };
  expect(verified).toMatchObject({ ok: true, findings: [] });

  // The instructor's class view (presenter mode) over a folder the reports are dropped into: the genuine one
  // shows as verified, and an edited copy dropped in later appears by itself, flagged.
  const dropbox = path.join(work, 'dropbox');
  await mkdir(dropbox);
  await cp(report, path.join(dropbox, 'attendee.json'));
  await page.getByRole('button', { name: '⌂ Start and environment' }).click();
  await page.getByRole('button', { name: 'Class progress (instructor)' }).click();
  // The typed path (under its fold) is the one Labdeck keeps watching, which the edited copy below needs.
  await page.getByText("Or type the folder's path").click();
  await page.getByRole('textbox', { name: 'Reports folder' }).fill(dropbox);
  await page.getByRole('button', { name: 'Show the class' }).click();
  const table = page.getByRole('table', { name: 'Class progress' });
  await expect(table.getByRole('row', { name: /attendee\.json/ })).toContainText('✓ verified');
  const edited = JSON.parse(await readFile(report, 'utf8')) as { attendee: string };
  edited.attendee = 'Mallory';
  await writeFile(path.join(dropbox, 'mallory.json'), JSON.stringify(edited));
  await expect(table.getByRole('row', { name: /mallory\.json/ })).toContainText('invalid: edited after signing', { timeout: 15_000 });
  await expect(page.getByRole('status').filter({ hasText: '2 reports' })).toContainText('1 clean · 1 flagged');
  await shot(page, '6-class-progress');
  expect(await seriousViolations(page)).toEqual([]);

  // The next start, with no --course: the host opens the course remembered in the data folder.
  // One Labdeck per data folder: the first one stops (and releases the folder's lock) before the next start.
  await host.close();
  host = undefined;
  const again = await startHost({ kubeconfig: double.kubeconfigPath, dataDir });
  try {
    await page.goto(again.url);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(TITLE);
    await expect(page.locator('[data-trust="pack"]')).toContainText(fingerprint);
  } finally {
    await again.close();
  }
});
