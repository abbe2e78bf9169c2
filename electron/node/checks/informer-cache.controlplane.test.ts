import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneSkipReason, sharedControlPlane, titled } from '../../../e2e/controlplane/shared.ts';
import { InformerCache, type ObjectChange } from './informer-cache.ts';

// The check engine's informers against a real API server: real watches, the API server restarted under
// them (its watch cache starts over, so resuming from an old resourceVersion answers 410 Gone) and etcd
// compacted. After each, the cache must hold exactly what the server holds: nothing lost, nothing stale.

const namespace = `informer-${Date.now().toString(36)}`;

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(controlPlaneSkipReason())(titled('informers on the real control plane'), () => {
  let core: CoreV1Api;
  let cache: InformerCache;
  const changes: ObjectChange[] = [];
  // kube-root-ca.crt is put into every namespace by the controller manager; the tests watch their own objects.
  const names = () =>
    (cache.list('v1', 'ConfigMap').objects ?? [])
      .filter((o) => o.metadata.namespace === namespace && o.metadata.name !== 'kube-root-ca.crt')
      .map((o) => o.metadata.name)
      .sort();
  const create = (name: string) => core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { step: name } } });

  beforeAll(async () => {
    const controlPlane = sharedControlPlane();
    core = controlPlane.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    cache = new InformerCache(controlPlane.kubeConfig(), (change) => changes.push(change));
    await cache.watch([{ apiVersion: 'v1', kind: 'ConfigMap' }]);
  });

  afterAll(async () => {
    await cache?.stop();
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('pushes adds, updates and deletes from a real watch', async () => {
    await create('first');
    await until(() => changes.some((c) => c.type === 'add' && c.object.metadata.name === 'first'), 'the add event');
    await core.patchNamespacedConfigMap({ name: 'first', namespace, body: [{ op: 'replace', path: '/data/step', value: 'changed' }] });
    await until(() => changes.some((c) => c.type === 'update' && c.object.metadata.name === 'first'), 'the update event');
    await core.deleteNamespacedConfigMap({ name: 'first', namespace });
    await until(() => changes.some((c) => c.type === 'delete' && c.object.metadata.name === 'first'), 'the delete event');
    expect(names()).toEqual([]);
  });

  it('recovers after the API server restarts, with nothing stale and nothing lost', async () => {
    await create('before-restart');
    await until(() => names().includes('before-restart'), 'before-restart in the cache');
    await sharedControlPlane().restart('kube-apiserver');
    // Changes right after the restart, while the informer's watch is being re-established.
    await core.deleteNamespacedConfigMap({ name: 'before-restart', namespace });
    await create('after-restart');
    await until(() => JSON.stringify(names()) === JSON.stringify(['after-restart']), 'the cache to match the server after the restart');
    expect(cache.list('v1', 'ConfigMap').objects).toBeDefined();
  });

  it('relists after etcd compaction makes its resourceVersion too old (410 Gone)', async () => {
    for (let i = 0; i < 5; i++) await create(`churn-${i}`);
    const revision = await sharedControlPlane().compact();
    expect(revision).toBeGreaterThan(0);
    // A restart empties the API server's watch cache, so the informer's next watch resumes from a version
    // older than anything the server still has.
    await sharedControlPlane().restart('kube-apiserver');
    for (let i = 0; i < 5; i++) await core.deleteNamespacedConfigMap({ name: `churn-${i}`, namespace });
    await create('after-compaction');
    await until(() => JSON.stringify(names()) === JSON.stringify(['after-compaction', 'after-restart']), 'the cache to match the server after compaction');
  });
});
