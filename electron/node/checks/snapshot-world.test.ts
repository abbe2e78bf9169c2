import { describe, expect, it } from 'vitest';
import { SnapshotWorld } from './snapshot-world.ts';

describe('SnapshotWorld', () => {
  it('reads a kubectl List and selects by kind, namespace, name and labels', async () => {
    const world = SnapshotWorld.parse(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default', labels: { app: 'nginx' } } },
          { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'production', labels: { app: 'nginx' } } },
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'default' } },
        ],
      }),
    );
    expect((await world.listObjects({ apiVersion: 'v1', kind: 'Pod', labelSelector: 'app=nginx' }))?.map((pod) => pod.metadata.name)).toEqual(['a', 'b']);
    expect((await world.listObjects({ apiVersion: 'v1', kind: 'Pod', namespace: 'production' }))?.map((pod) => pod.metadata.name)).toEqual(['b']);
    expect(await world.listObjects({ apiVersion: 'v1', kind: 'Service', name: 'b' })).toEqual([]);
    expect(await world.commandRecords()).toBeNull();
    expect(await world.runProbe()).toBeNull();
    expect(await world.httpGet()).toBeNull();
  });

  it('fills kind and apiVersion from a typed list', async () => {
    const world = SnapshotWorld.parse(JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'a', namespace: 'default' } }] }));
    expect(await world.listObjects({ apiVersion: 'v1', kind: 'Pod', name: 'a' })).toHaveLength(1);
  });

  it('cannot answer for a kind every cluster has but the snapshot does not hold (it was not captured)', async () => {
    const world = SnapshotWorld.parse(JSON.stringify({ kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default' } }] }));
    expect(await world.listObjects({ apiVersion: 'v1', kind: 'Node' })).toBeNull();
    expect(world.missingKinds([{ kind: 'Node' }, { kind: 'Pod' }, { kind: 'ReplicaSet' }])).toEqual(['Node', 'ReplicaSet']);
    expect(await world.listObjects({ apiVersion: 'v1', kind: 'Pod', name: 'b' })).toEqual([]);
  });

  it('rejects text that is not a List with the command to write one', () => {
    expect(() => SnapshotWorld.parse('not json', 'snap.json', 'kubectl get nodes,pods -A -o json > snapshot.json')).toThrow(
      expect.objectContaining({ action: 'Write the snapshot with `kubectl get nodes,pods -A -o json > snapshot.json`.' }),
    );
    expect(() => SnapshotWorld.parse('not json')).toThrow(/not JSON/);
    expect(() => SnapshotWorld.parse('[1,2]')).toThrow(/not a Kubernetes List/);
  });
});
