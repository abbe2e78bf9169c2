import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InformerCache, type ObjectChange } from '../../electron/node/checks/informer-cache.ts';
import { statusCodeOf } from '../../electron/node/cluster/api-problems.ts';
import { controlPlaneSkipReason, sharedControlPlane, titled } from '../controlplane/shared.ts';
import { startKubeApiTestDouble, type KubeApiTestDouble } from './kube-api-test-double.ts';

// The API test double keeps unit tests fast, but it is our model of Kubernetes. This runs one small scenario
// against the double and the real API server and fails on any difference in what a client of ours observes,
// so the double cannot drift from the real thing unnoticed.

const namespace = `parity-${Date.now().toString(36)}`;

interface Observation {
  step: string;
  value: unknown;
}

async function scenario(kubeConfig: KubeConfig): Promise<Observation[]> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const seen: Observation[] = [];
  const record = (step: string, value: unknown) => seen.push({ step, value });
  const status = async (step: string, action: () => Promise<unknown>) => {
    try {
      await action();
      record(step, 'ok');
    } catch (error) {
      record(step, statusCodeOf(error) ?? String(error));
    }
  };
  const apply = (object: KubernetesObject) => api.patch(object, undefined, undefined, 'parity', true, PatchStrategy.ServerSideApply);
  // The double runs no controllers; the real controller manager adds kube-root-ca.crt to every namespace.
  // Only the scenario's own objects are compared (the test below asserts the controller's object separately).
  const ours = (name: string | undefined) => name !== 'kube-root-ca.crt';
  const changes: ObjectChange[] = [];
  const informers = new InformerCache(kubeConfig, (change) => {
    if (change.object.metadata.namespace === namespace && ours(change.object.metadata.name)) changes.push(change);
  });
  await informers.watch([{ apiVersion: 'v1', kind: 'ConfigMap' }]);
  try {
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (const [name, app] of [['web-config', 'web'], ['db-config', 'db'], ['cache-config', 'cache']]) {
      await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { app: app! } }, data: { owner: app! } } as KubernetesObject);
    }
    const configMap = (await api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace } })) as KubernetesObject & { data?: unknown };
    record('read', { name: configMap.metadata?.name, namespace: configMap.metadata?.namespace, labels: configMap.metadata?.labels, data: configMap.data });
    for (const selector of ['app=web', 'app!=web', 'app in (web,db)', 'app notin (web)', 'app', '!app']) {
      const list = await api.list('v1', 'ConfigMap', namespace, undefined, undefined, undefined, undefined, selector);
      record(`list ${selector}`, list.items.map((item) => item.metadata?.name).filter(ours).sort());
    }
    await status('read missing', () => api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'missing', namespace } }));
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace, labels: { app: 'web', tier: 'front' } }, data: { owner: 'web' } } as KubernetesObject);
    const changed = await api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace } });
    record('labels after apply', changed.metadata?.labels);
    await status('delete', () => api.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db-config', namespace } }));
    await status('delete again', () => api.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db-config', namespace } }));
    await status('read deleted', () => api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db-config', namespace } }));
    const deadline = Date.now() + 10_000;
    while (!changes.some((c) => c.type === 'delete') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    record('watch events', changes.map((change) => `${change.type} ${change.object.metadata.name}`));
    const cached = informers.list('v1', 'ConfigMap').objects ?? [];
    record('informer cache', cached.filter((o) => o.metadata.namespace === namespace && ours(o.metadata.name)).map((o) => o.metadata.name).sort());
  } finally {
    await informers.stop();
  }
  return seen;
}

describe.skipIf(controlPlaneSkipReason())(titled('the API test double agrees with the real API server'), () => {
  let double: KubeApiTestDouble;
  beforeAll(async () => {
    double = await startKubeApiTestDouble();
  });
  afterAll(async () => {
    await double?.stop();
    await KubernetesObjectApi.makeApiClient(sharedControlPlane().kubeConfig())
      .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })
      .catch(() => undefined);
  });

  it('on apply, read, label-selector lists, delete, 404s and watch events', async () => {
    const real = await scenario(sharedControlPlane().kubeConfig());
    const doubleConfig = new KubeConfig();
    doubleConfig.loadFromFile(double.kubeconfigPath);
    const modelled = await scenario(doubleConfig);
    expect(modelled).toEqual(real);
    // The scenario must have observed something for the comparison to mean anything.
    expect(real.find((o) => o.step === 'list app in (web,db)')?.value).toEqual(['db-config', 'web-config']);
    expect(real.find((o) => o.step === 'read missing')?.value).toBe(404);
  });
});
