import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/api/contract.ts';
import { ClusterService } from './cluster-service.ts';

function serviceWithoutCluster() {
  const maps: EventPayload<'cluster.map'>[] = [];
  const service = new ClusterService({
    cluster: { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined },
    events: {
      emit<K extends EventName>(name: K, payload: EventPayload<K>) {
        if (name === 'cluster.map') maps.push(payload as EventPayload<'cluster.map'>);
      },
    },
  });
  return { service, maps };
}

describe('ClusterService without a cluster', () => {
  let current: ReturnType<typeof serviceWithoutCluster> | undefined;
  afterEach(async () => {
    await current?.service.dispose();
  });

  it('reports misspelt fields at their line, with the field it probably meant', async () => {
    current = serviceWithoutCluster();
    const problems = await current.service.validate(
      ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: nginx', '  lables:', '    name: nginx', 'spec:', '  containers:', '    - name: nginx', '      imagee: nginx', ''].join('\n'),
    );
    expect(problems).toEqual([
      expect.objectContaining({ line: 5, column: 3, source: 'schema', message: 'Pod has no field "metadata.lables"; did you mean "labels"?' }),
      expect.objectContaining({ line: 10, column: 7, source: 'schema', message: 'Pod has no field "spec.containers[0].imagee"; did you mean "image"?' }),
    ]);
  });

  it('accepts a valid multi-document manifest, free-form maps included', async () => {
    current = serviceWithoutCluster();
    const manifest = [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: lab',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: web, namespace: lab, labels: { anything: goes } }',
      'spec:',
      '  replicas: 2',
      '  selector: { matchLabels: { app: web } }',
      '  template:',
      '    metadata: { labels: { app: web } }',
      '    spec:',
      '      containers:',
      '        - { name: web, image: nginx, ports: [{ containerPort: 80 }], resources: { limits: { cpu: 100m } } }',
    ].join('\n');
    expect(await current.service.validate(manifest)).toEqual([]);
  });

  it('reports YAML syntax errors at their line', async () => {
    current = serviceWithoutCluster();
    const problems = await current.service.validate('apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx\n  labels\n  x: 1\n');
    expect(problems[0]).toMatchObject({ line: 5, source: 'yaml' });
  });

  it('refuses to apply without a cluster and says what to do', async () => {
    current = serviceWithoutCluster();
    await expect(current.service.apply('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab\n')).rejects.toMatchObject({
      code: 'environment-not-ready',
      action: expect.stringContaining('Start the environment'),
    });
  });

  it('offers the bundled schema and an unavailable network map while no cluster runs', async () => {
    current = serviceWithoutCluster();
    const { source, schema } = await current.service.schema();
    expect(source).toBe('bundled');
    expect((schema as { properties: { kind: { enum: string[] } } }).properties.kind.enum).toEqual(expect.arrayContaining(['Pod', 'Service', 'Deployment']));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(current.service.map()).toMatchObject({ available: false, message: expect.stringContaining('Start the environment') });
    expect(current.maps.at(-1)?.available).toBe(false);
  });
});
