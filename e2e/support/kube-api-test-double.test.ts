import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, makeInformer, type V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeApiTestDouble, type KubeApiTestDouble } from './kube-api-test-double.ts';

// The test double must behave like the API server for the real client library, or tests built on it prove nothing.

const pod = (name: string, labels: Record<string, string>, namespace = 'default') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] },
  status: { phase: 'Running', podIP: '10.244.1.5' },
});

let double: KubeApiTestDouble;
let config: KubeConfig;

beforeEach(async () => {
  double = await startKubeApiTestDouble();
  config = new KubeConfig();
  config.loadFromFile(double.kubeconfigPath);
});

afterEach(async () => {
  await double.stop();
});

function waitFor<T>(read: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = read();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('Kubernetes API test double', () => {
  it('lists with a label selector and gets one object through the typed client', async () => {
    await double.setObjects([pod('a', { app: 'nginx' }), pod('b', { app: 'web' }), pod('c', { app: 'nginx' }, 'production')]);
    const core = config.makeApiClient(CoreV1Api);
    const inDefault = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=nginx' });
    expect(inDefault.items.map((item) => item.metadata?.name)).toEqual(['a']);
    const everywhere = await core.listPodForAllNamespaces({ labelSelector: 'app in (nginx)' });
    expect(everywhere.items.map((item) => `${item.metadata?.namespace}/${item.metadata?.name}`)).toEqual(['default/a', 'production/c']);
    const one = await core.readNamespacedPod({ namespace: 'production', name: 'c' });
    expect(one.status?.phase).toBe('Running');
    await expect(core.readNamespacedPod({ namespace: 'default', name: 'missing' })).rejects.toMatchObject({ code: 404 });
  });

  it('streams adds, changes and deletes to an informer', async () => {
    const core = config.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Pod>(config, '/api/v1/pods', () => core.listPodForAllNamespaces());
    const seen: string[] = [];
    informer.on('add', (object) => seen.push(`add ${object.metadata?.name}`));
    informer.on('update', (object) => seen.push(`update ${object.metadata?.name} ${object.status?.phase}`));
    informer.on('delete', (object) => seen.push(`delete ${object.metadata?.name}`));
    await double.upsert(pod('early', { app: 'nginx' }));
    await informer.start();
    await waitFor(() => (seen.includes('add early') ? true : undefined), 'the listed pod');
    await double.upsert(pod('late', { app: 'nginx' }));
    await double.patchStatus({ kind: 'Pod', namespace: 'default', name: 'late' }, { phase: 'Succeeded' });
    await double.remove({ kind: 'Pod', namespace: 'default', name: 'early' });
    await waitFor(() => (seen.includes('delete early') ? true : undefined), 'the delete event');
    expect(seen).toEqual(['add early', 'add late', 'update late Succeeded', 'delete early']);
    expect(informer.list().map((object) => object.metadata?.name)).toEqual(['late']);
    await informer.stop();
  });

  it('server-side apply creates, merges fields and keeps status; delete removes', async () => {
    const objects = KubernetesObjectApi.makeApiClient(config);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
      spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] } } },
    };
    await objects.patch(deployment, undefined, undefined, 'labdeck-test', true, 'application/apply-patch+yaml');
    await double.patchStatus({ kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' }, { readyReplicas: 3 });
    await objects.patch({ ...deployment, spec: { ...deployment.spec, replicas: 2 } }, undefined, undefined, 'labdeck-test', true, 'application/apply-patch+yaml');
    const apps = config.makeApiClient(AppsV1Api);
    const live = await apps.readNamespacedDeployment({ namespace: 'default', name: 'nginx-deployment' });
    expect(live.spec?.replicas).toBe(2);
    expect(live.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.14.2');
    expect(live.status?.readyReplicas).toBe(3);
    expect(live.metadata?.generation).toBe(2);
    await objects.delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx-deployment', namespace: 'default' } });
    expect(double.objects()).toEqual([]);
  });

  it('rejects creating an object that exists and serves discovery for the kinds it knows', async () => {
    const core = config.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'production' } } });
    await expect(core.createNamespace({ body: { metadata: { name: 'production' } } })).rejects.toMatchObject({ code: 409 });
    const groups = (await (await fetch(`${double.url}/apis`)).json()) as { groups: Array<{ name: string }> };
    expect(groups.groups.map((group) => group.name)).toEqual(['apps', 'discovery.k8s.io']);
    const core1 = (await (await fetch(`${double.url}/api/v1`)).json()) as { resources: Array<{ name: string; namespaced: boolean }> };
    expect(core1.resources).toContainEqual(expect.objectContaining({ name: 'services', namespaced: true }));
    expect(core1.resources).toContainEqual(expect.objectContaining({ name: 'nodes', namespaced: false }));
  });

  it('deletes a collection by label selector', async () => {
    await double.setObjects([pod('a', { app: 'nginx' }), pod('b', { app: 'web' })]);
    const core = config.makeApiClient(CoreV1Api);
    await core.deleteCollectionNamespacedPod({ namespace: 'default', labelSelector: 'app=nginx' });
    expect(double.objects().map((object) => object.metadata.name)).toEqual(['b']);
  });

  it('setObjects sends no event for objects that did not change', async () => {
    const objects = [pod('a', { app: 'nginx' })];
    await double.setObjects(objects);
    const before = double.objects()[0]?.metadata.resourceVersion;
    await double.setObjects(objects);
    expect(double.objects()[0]?.metadata.resourceVersion).toBe(before);
  });

  it('resumes a watch from a resourceVersion', async () => {
    await double.upsert(pod('a', { app: 'nginx' }));
    const listed = (await (await fetch(`${double.url}/api/v1/namespaces/default/pods`)).json()) as { metadata: { resourceVersion: string } };
    await double.upsert(pod('b', { app: 'nginx' }));
    const controller = new AbortController();
    const response = await fetch(`${double.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${listed.metadata.resourceVersion}`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    controller.abort();
    const event = JSON.parse(new TextDecoder().decode(value).split('\n')[0] ?? '') as { type: string; object: { metadata: { name: string } } };
    expect(event).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'b' } } });
  });
});

describe('label selectors', () => {
  it('filters lists the way the API server does, and refuses a selector it cannot parse', async () => {
    await double.setObjects([pod('web', { app: 'nginx', tier: 'web' }), pod('db', { app: 'postgres', tier: 'db' }), pod('bare', {})]);
    const core = config.makeApiClient(CoreV1Api);
    const names = async (labelSelector: string) => (await core.listNamespacedPod({ namespace: 'default', labelSelector })).items.map((item) => item.metadata?.name).sort();
    expect(await names('app=nginx,tier==web')).toEqual(['web']);
    expect(await names('app!=nginx')).toEqual(['bare', 'db']);
    expect(await names('tier,!missing')).toEqual(['db', 'web']);
    expect(await names('app in (web, nginx)')).toEqual(['web']);
    expect(await names('app notin (nginx)')).toEqual(['bare', 'db']);
    const refused = await fetch(`${double.url}/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent('app in nginx')}`);
    expect(refused.status).toBe(400);
  });
});

const kubectlPath = ['/usr/local/bin/kubectl', '/usr/bin/kubectl'].find((candidate) => existsSync(candidate));

describe.skipIf(!kubectlPath)(`kubectl against the test double${kubectlPath ? '' : ' (skipped: kubectl is not installed)'}`, () => {
  // kubectl must run asynchronously: the double answers from this same process.
  const kubectl = async (...args: string[]) => (await promisify(execFile)(kubectlPath ?? 'kubectl', ['--kubeconfig', double.kubeconfigPath, '--request-timeout=10s', ...args], { encoding: 'utf8' })).stdout;

  it('applies a manifest (validation included) and prints tables the way a cluster does', async () => {
    const manifest = path.join(path.dirname(double.kubeconfigPath), 'nginx-pod.yaml');
    await writeFile(manifest, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx\n  labels: { app: nginx }\nspec:\n  containers:\n    - name: nginx\n      image: nginx:1.14.2\n');
    expect(await kubectl('apply', '-f', manifest)).toContain('pod/nginx created');
    expect(await kubectl('apply', '--server-side', '-f', manifest)).toContain('pod/nginx serverside-applied');
    await double.patchStatus({ kind: 'Pod', namespace: 'default', name: 'nginx' }, { phase: 'Running', podIP: '10.42.1.9' });
    const table = await kubectl('get', 'pods', '-o', 'wide');
    expect(table).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(table).toMatch(/nginx\s+1\/1\s+Running\s+0\s+\S+\s+10\.42\.1\.9/);
    expect(await kubectl('delete', 'pod', 'nginx')).toContain('pod "nginx" deleted');
    expect(double.objects()).toEqual([]);
  });
});
