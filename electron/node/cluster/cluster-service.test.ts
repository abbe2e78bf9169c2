import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeApiTestDouble, type KubeApiTestDouble } from '../../../e2e/support/kube-api-test-double.ts';
import { sampleClusterNames, sampleClusterObjects } from '../../../e2e/support/sample-cluster.ts';
import type { EventName, EventPayload } from '../../common/api/contract.ts';
import type { ClusterAccess } from '../backend/ports.ts';
import { ClusterService } from './cluster-service.ts';

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    name: nginx
spec:
  containers:
    - name: nginx
      image: nginx
`;

let double: KubeApiTestDouble;
let service: ClusterService;
let maps: EventPayload<'cluster.map'>[];
let changeListeners: (() => void)[];
let kubeConfig: KubeConfig | null;

async function waitFor<T>(read: () => T | undefined | false, what: string, timeoutMs = 5_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeEach(async () => {
  double = await startKubeApiTestDouble({ objects: sampleClusterObjects() });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(double.kubeconfigPath);
  maps = [];
  changeListeners = [];
  const cluster: ClusterAccess = {
    kubeConfig: async () => kubeConfig,
    kubeconfigPath: async () => double.kubeconfigPath,
    onChange: (listener) => {
      changeListeners.push(listener);
      return () => undefined;
    },
  };
  service = new ClusterService({
    cluster,
    events: {
      emit<K extends EventName>(name: K, payload: EventPayload<K>) {
        if (name === 'cluster.map') maps.push(payload as EventPayload<'cluster.map'>);
      },
    },
  });
});

afterEach(async () => {
  await service.dispose();
  await double.stop();
});

describe('ClusterService against the Kubernetes API test double', () => {
  it('applies every document server-side as field manager labdeck', async () => {
    const outcome = await service.apply(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab\n---\n${POD.replace('  name: nginx\n', '  name: nginx\n  namespace: lab\n')}`);
    expect(outcome).toEqual({
      ok: true,
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', name: 'lab', action: 'created' },
        { apiVersion: 'v1', kind: 'Pod', namespace: 'lab', name: 'nginx', action: 'created' },
      ],
      problems: [],
    });
    const pod = double.objects().find((object) => object.kind === 'Pod' && object.metadata.name === 'nginx');
    expect(pod?.metadata.labels).toEqual({ name: 'nginx' });
    expect(double.requests()).toContainEqual(expect.stringMatching(/^PATCH \/api\/v1\/namespaces\/lab\/pods\/nginx\?.*fieldManager=labdeck/));

    const changed = await service.apply(POD.replace('image: nginx', 'image: nginx:1.27').replace('  name: nginx\n', '  name: nginx\n  namespace: lab\n'));
    expect(changed.objects).toEqual([{ apiVersion: 'v1', kind: 'Pod', namespace: 'lab', name: 'nginx', action: 'configured' }]);
  });

  it('sends nothing when the manifest does not parse', async () => {
    const before = double.requests().length;
    const outcome = await service.apply('apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx\n  labels\n  x: 1\n');
    expect(outcome.ok).toBe(false);
    expect(outcome.problems[0]).toMatchObject({ line: 5, source: 'yaml' });
    expect(double.requests().slice(before).filter((request) => !request.startsWith('GET'))).toEqual([]);
    expect(double.requests().slice(before).filter((request) => request.includes('/pods/nginx'))).toEqual([]);
  });

  it('places a kind the cluster does not serve at its kind line', async () => {
    const outcome = await service.apply(`${POD}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  a: b\n`);
    expect(outcome.objects).toEqual([{ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'nginx', action: 'created' }]);
    expect(outcome.problems).toEqual([expect.objectContaining({ line: 13, source: 'api-server', message: expect.stringContaining('no kind Secret in v1') })]);
  });

  it('diffs the live object against the dry-run result without bookkeeping fields', async () => {
    await double.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'default', labels: { name: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } });
    const before = double.objects().find((object) => object.metadata.name === 'nginx')?.metadata.resourceVersion;
    const { documents, problems } = await service.diff(POD.replace('image: nginx', 'image: nginx:1.27'));
    expect(problems).toEqual([]);
    expect(documents).toHaveLength(1);
    expect(documents[0]!.live).toContain('image: nginx\n');
    expect(documents[0]!.proposed).toContain('image: nginx:1.27');
    expect(documents[0]!.live).not.toMatch(/resourceVersion|managedFields|uid:|creationTimestamp/);
    // A dry run changes nothing.
    expect(double.objects().find((object) => object.metadata.name === 'nginx')?.metadata.resourceVersion).toBe(before);

    const fresh = await service.diff(POD.replace('name: nginx\n  labels', 'name: other\n  labels'));
    expect(fresh.documents[0]).toMatchObject({ name: 'other', live: null });
  });

  it('deletes every object the manifest names and reports the ones already gone', async () => {
    await service.apply(POD);
    const outcome = await service.delete(`${POD}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: missing\nspec:\n  ports:\n    - port: 80\n`);
    expect(outcome.objects.map((object) => `${object.kind}/${object.name} ${object.action}`)).toEqual(['Pod/nginx deleted', 'Service/missing not-found']);
    expect(double.objects().some((object) => object.kind === 'Pod' && object.metadata.name === 'nginx')).toBe(false);
  });

  it('keeps the network map live from informers', async () => {
    const first = await waitFor(() => maps.find((map) => map.available && map.nodes.length === 3), 'the first map');
    expect(first.nodes.map((node) => node.name)).toEqual([...sampleClusterNames.nodes]);
    const service0 = first.services.find((candidate) => candidate.name === sampleClusterNames.service);
    expect(service0).toMatchObject({ type: 'NodePort', clusterIP: '10.96.120.15', dnsName: 'nginx-svc.default.svc.cluster.local' });
    expect(service0?.endpoints.map((endpoint) => endpoint.podName).sort()).toEqual([...sampleClusterNames.pods].sort());

    await double.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'default' }, spec: { nodeName: 'worker2', containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running', podIP: '10.244.2.9' } });
    const updated = await waitFor(() => maps.find((map) => map.pods.some((pod) => pod.name === 'client')), 'the new pod on the map');
    expect(updated.pods.find((pod) => pod.name === 'client')).toMatchObject({ node: 'worker2', ip: '10.244.2.9', dnsName: '10-244-2-9.default.pod.cluster.local' });
    expect(service.map().pods.some((pod) => pod.name === 'client')).toBe(true);
  });

  it('reports the map unavailable when the cluster goes away', async () => {
    await waitFor(() => maps.find((map) => map.available), 'the first map');
    kubeConfig = null;
    for (const listener of changeListeners) listener();
    const gone = await waitFor(() => maps.at(-1)?.available === false && maps.at(-1), 'the unavailable map');
    expect(gone.message).toMatch(/No lab cluster/);
  });

  it('falls back to the bundled schema when the API server has no OpenAPI document', async () => {
    const { source } = await service.schema();
    expect(source).toBe('bundled');
    expect(double.requests()).toContainEqual(expect.stringMatching(/^GET \/openapi\/v2/));
  });
});
