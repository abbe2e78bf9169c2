import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LabdeckError } from '../../common/errors.ts';
import { LabViewSchema } from '../../common/api/labs.ts';
import { createCatalogHandlers } from './catalog-handlers.ts';
import { compareLabIds, LabCatalog } from './lab-catalog.ts';

const REAL_LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');
const context = { clientId: 'test' };

describe('LabCatalog.load on the course in labs/', () => {
  it('loads the nine labs in order with the course title', async () => {
    const catalog = await LabCatalog.load(REAL_LABS);
    expect(catalog.labs().map((lab) => lab.file.id)).toEqual(['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9']);
    expect(catalog.course).toEqual({ id: 'k8s-networking', title: 'K8s Networking introduction', version: '1.0.0' });
    expect(catalog.courseId).toBe('k8s-networking');
  });

  it('resolves Markdown and manifest files of a step', async () => {
    const catalog = await LabCatalog.load(REAL_LABS);
    const step = catalog.step('1.3', 'create-deployment');
    expect(step?.instructions).toContain('kubectl apply -f nginx-deployment.yaml');
    expect(step?.manifests.get('manifests/nginx-deployment.yaml')).toContain('image: nginx:1.14.2');
    expect(catalog.lab('1.3')?.introduction).toContain('# Deployments');
    expect(catalog.step('1.3', 'no-such-step')).toBeUndefined();
    expect(catalog.lab('9.9')).toBeUndefined();
  });

  it('serves labs.list and labs.get in the API shape', async () => {
    const handlers = createCatalogHandlers(await LabCatalog.load(REAL_LABS));
    const list = await handlers['labs.list']({}, context);
    expect(list).toHaveLength(9);
    expect(list[4]).toMatchObject({ id: '1.5', slug: 'services', requires: ['1.2'] });

    const view = await handlers['labs.get']({ labId: '1.5' }, context);
    expect(LabViewSchema.parse(view)).toEqual(view);
    const [manifest, apply] = view.steps[0]?.snippets ?? [];
    expect(manifest).toMatchObject({ kind: 'manifest', language: 'yaml', fileName: 'nginx-service.yaml' });
    expect(manifest?.content).toContain('nodePort: 30080');
    expect(apply).toMatchObject({ kind: 'command', language: 'bash', content: 'kubectl apply -f nginx-service.yaml' });
    expect(view.steps[0]?.hints.some((hint) => hint.forCheck === 'service-endpoints')).toBe(true);
    expect(view.steps[0]?.checks.map((check) => check.kind)).toContain('resource');
    expect(view.steps[0]?.focus).toContainEqual({ kind: 'Service', namespace: 'default', name: 'nginx' });
  });

  it('serves every lab in a shape the API contract accepts', async () => {
    const catalog = await LabCatalog.load(REAL_LABS);
    const handlers = createCatalogHandlers(catalog);
    for (const lab of catalog.labs()) {
      const view = await handlers['labs.get']({ labId: lab.file.id }, context);
      expect(LabViewSchema.safeParse(view).success, lab.file.id).toBe(true);
      for (const step of view.steps) {
        expect(step.instructions.length, `${lab.file.id}/${step.id}`).toBeGreaterThan(0);
        for (const snippet of step.snippets) expect(snippet.content.length, `${lab.file.id}/${step.id}/${snippet.id}`).toBeGreaterThan(0);
      }
    }
  });

  it('answers labs.get for an unknown lab with not-found and the ids that exist', async () => {
    const handlers = createCatalogHandlers(await LabCatalog.load(REAL_LABS));
    const error = await handlers['labs.get']({ labId: '7.7' }, context).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(LabdeckError);
    expect((error as LabdeckError).code).toBe('not-found');
    expect((error as LabdeckError).action).toContain('1.9');
  });
});

describe('LabCatalog.load on broken content', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fails as a whole, listing each problem as file:line:col', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'labdeck-catalog-'));
    await mkdir(path.join(dir, '1.1-demo'), { recursive: true });
    await writeFile(
      path.join(dir, '1.1-demo', 'lab.yaml'),
      'id: "1.1"\nslug: demo\ntitle: Demo\nsummary: s\nobjectives: [o]\ndurationMinutes: 5\nintroduction: missing.md\nsteps: []\n',
    );
    const error = await LabCatalog.load(dir).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(LabdeckError);
    const message = (error as LabdeckError).message;
    expect(message).toContain(`${path.join(dir, '1.1-demo', 'lab.yaml')}:8:8 steps:`);
    expect((error as LabdeckError).action).toContain('labdeck lint');
  });

  it('reports an empty folder as not-found', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'labdeck-catalog-'));
    await expect(LabCatalog.load(dir)).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('compareLabIds', () => {
  it('orders numerically, not as text', () => {
    expect(['1.10', '1.9', '2.1', '1.2'].sort(compareLabIds)).toEqual(['1.2', '1.9', '1.10', '2.1']);
  });
});
