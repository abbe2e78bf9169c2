import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startHost, type StartedHost } from './support/host.ts';
import { answerKubectlLocally, readableTerminals, typeInJumphost } from './support/jumphost-typing.ts';
import { startKubeApiTestDouble } from './support/kube-api-test-double.ts';
import { jumphostBlocker, startE2eJumphost, type E2eJumphost } from './support/lab-jumphost.ts';

// Progress is saved as it happens and restored after a restart: a step passed (the pod in the Kubernetes API
// test double, the command typed in a real jumphost) and a revealed hint are still there when a new host
// starts on the same data folder, even though the cluster objects that made the step pass are gone by then
// (so the step is not simply re-earned).

test.use(readableTerminals);
const blocker = await jumphostBlocker();
test.skip(blocker !== null, `needs Docker and the jumphost image: ${blocker}`);

const LAB = '1.2';
const STEP_TITLE = 'Create the pod nginx from YAML';
let jumphost: E2eJumphost | undefined;

let double: Awaited<ReturnType<typeof startKubeApiTestDouble>>;
let dataDir: string;
const hosts: StartedHost[] = [];

test.beforeAll(async () => {
  double = await startKubeApiTestDouble();
  jumphost = await startE2eJumphost();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-e2e-progress-'));
});

test.afterAll(async () => {
  for (const host of hosts) await host.close();
  await double?.close();
  await jumphost?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<StartedHost> {
  const host = await startHost({ kubeconfig: double.kubeconfigPath, dataDir });
  hosts.push(host);
  return host;
}

/** The pod the step asks for, as `kubectl apply -f nginx.yaml` leaves it once the kubelet runs it. */
async function createNginxPod() {
  await double.upsert({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', namespace: 'default', labels: { name: 'nginx' } },
    spec: { nodeName: 'worker1', containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
    status: { phase: 'Running', podIP: '10.244.1.7', hostIP: '10.1.1.7' },
  });
}

async function openLab(page: Page, url: string) {
  await page.goto(url);
  const nav = page.getByRole('navigation', { name: 'Labs' });
  await nav.getByRole('button', { name: /^1\.2 / }).click();
  const guide = page.getByRole('main', { name: 'Lab guide' });
  // Step 1 explicitly: which step a lab reopens at is not what this spec is about.
  await stepButton(page).click();
  await expect(guide.getByRole('heading', { level: 2 })).toHaveText(STEP_TITLE);
  return { nav, guide };
}

const stepButton = (page: Page) =>
  page.getByRole('list', { name: `Steps of lab ${LAB}` }).getByRole('button', { name: new RegExp(`^${STEP_TITLE} \\((done|not done)\\)$`) });

test('a passed step and a revealed hint survive a restart of the host', async ({ page }) => {
  const first = await start();
  const { nav, guide } = await openLab(page, first.url);
  await expect(stepButton(page)).toHaveAccessibleName(/\(not done\)$/);

  // One hint, revealed before the step passes.
  await guide.getByRole('button', { name: 'Show a hint' }).click();
  const hints = guide.getByRole('region', { name: /^Hints/ });
  await expect(hints.getByText('1 of 3 shown')).toBeVisible();
  await expect(hints.getByRole('listitem')).toHaveCount(1);

  // The attendee's pod appears in the cluster and they look at it from the jumphost.
  await createNginxPod();
  await answerKubectlLocally(page);
  await typeInJumphost(page, 'kubectl get pods -o wide');
  await expect(stepButton(page)).toHaveAccessibleName(/\(done\)$/, { timeout: 30_000 });
  // The page turns to the next step by itself, as the printed guide would be turned.
  await expect(guide.getByRole('heading', { level: 2 })).not.toHaveText(STEP_TITLE);
  await expect(nav.locator('#lab-state-1\\.2')).toContainText('1/4 steps');

  // Saved as it happens: the file holds it before the host is asked to stop.
  await expect
    .poll(async () => {
      const saved = JSON.parse(await readFile(path.join(dataDir, 'progress.json'), 'utf8').catch(() => '{}')) as {
        labs?: Record<string, { steps?: Record<string, { status?: string; hintsRevealed?: number }> }>;
      };
      return saved.labs?.[LAB]?.steps?.['apply-yaml'];
    })
    .toMatchObject({ status: 'done', hintsRevealed: 1 });

  await first.close();
  // The cluster forgets the objects: after the restart only saved progress can say the step is done.
  await double.setObjects([]);

  const second = await start();
  await page.goto(second.url);
  const navAfter = page.getByRole('navigation', { name: 'Labs' });
  await expect(navAfter.locator('#lab-state-1\\.2')).toContainText('1/4 steps');
  const { guide: guideAfter } = await openLab(page, second.url);
  await expect(stepButton(page)).toHaveAccessibleName(/\(done\)$/);
  await expect(guideAfter.getByText(/Step done/)).toBeVisible();
  // The step's checks count once (a later step deletes the pod): their passes come back from the evidence
  // journal, although the cluster no longer holds the pod, and nothing had to be earned again.
  await expect(guideAfter.getByRole('status', { name: 'Pod nginx carries the label name=nginx and runs nginx: Passed' })).toBeVisible({ timeout: 20_000 });
  expect(double.objects().filter((object) => object.kind === 'Pod')).toEqual([]);
  const hintsAfter = guideAfter.getByRole('region', { name: /^Hints/ });
  await expect(hintsAfter.getByText('1 of 3 shown')).toBeVisible();
  await expect(hintsAfter.getByRole('listitem')).toHaveCount(1);
  await expect(hintsAfter.getByRole('button', { name: 'Show the next hint' })).toBeVisible();
});
