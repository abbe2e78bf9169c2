import type { V1Endpoints, V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildNetworkMap, podDnsName } from './network-map.ts';

const node = (name: string, ip: string, cidr: string, controlPlane: boolean, ready: boolean): V1Node => ({
  metadata: { name, labels: controlPlane ? { 'node-role.kubernetes.io/control-plane': 'true' } : {} },
  spec: { podCIDR: cidr },
  status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const pod = (name: string, nodeName: string, ip: string, labels: Record<string, string>): V1Pod => ({
  metadata: { name, namespace: 'default', labels },
  spec: { nodeName, containers: [] },
  status: { phase: 'Running', podIP: ip },
});

const service: V1Service = {
  metadata: { name: 'web', namespace: 'default' },
  spec: { type: 'NodePort', clusterIP: '10.43.12.7', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }] },
};

describe('buildNetworkMap', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('describes nodes with their address, pod CIDR, role and readiness', () => {
    const map = buildNetworkMap({ nodes: [node('worker1', '10.1.1.11', '10.42.1.0/24', false, false), node('master1', '10.1.1.10', '10.42.0.0/24', true, true)], pods: [], services: [], endpoints: [], endpointSlices: [] }, now);
    expect(map.nodes).toEqual([
      { name: 'master1', role: 'control-plane', ip: '10.1.1.10', podCIDR: '10.42.0.0/24', ready: true },
      { name: 'worker1', role: 'worker', ip: '10.1.1.11', podCIDR: '10.42.1.0/24', ready: false },
    ]);
    expect(map.available).toBe(true);
    expect(map.updatedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('gives pods their node, IP and DNS name, and services their endpoints from EndpointSlices', () => {
    const slice: V1EndpointSlice = {
      addressType: 'IPv4',
      metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      endpoints: [
        { addresses: ['10.42.1.5'], conditions: { ready: true }, nodeName: 'worker1', targetRef: { kind: 'Pod', name: 'web-1' } },
        { addresses: ['10.42.2.9'], conditions: { ready: false }, nodeName: 'worker2', targetRef: { kind: 'Pod', name: 'web-2' } },
      ],
    };
    const map = buildNetworkMap({
      nodes: [],
      pods: [pod('web-1', 'worker1', '10.42.1.5', { app: 'web' }), pod('web-2', 'worker2', '10.42.2.9', { app: 'web' })],
      services: [service],
      endpoints: [],
      endpointSlices: [slice],
    }, now);
    expect(map.pods[0]).toEqual({ namespace: 'default', name: 'web-1', node: 'worker1', ip: '10.42.1.5', dnsName: '10-42-1-5.default.pod.cluster.local', phase: 'Running', labels: { app: 'web' } });
    expect(map.services).toEqual([
      {
        namespace: 'default',
        name: 'web',
        type: 'NodePort',
        clusterIP: '10.43.12.7',
        ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }],
        selector: { app: 'web' },
        endpoints: [{ ip: '10.42.1.5', podName: 'web-1', node: 'worker1' }],
        dnsName: 'web.default.svc.cluster.local',
      },
    ]);
  });

  it('falls back to the Endpoints object and resolves pods by IP', () => {
    const endpoints: V1Endpoints = { metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.42.2.3' }] }] };
    const map = buildNetworkMap({ nodes: [], pods: [pod('web-3', 'worker2', '10.42.2.3', { app: 'web' })], services: [service], endpoints: [endpoints], endpointSlices: [] }, now);
    expect(map.services[0]?.endpoints).toEqual([{ ip: '10.42.2.3', podName: 'web-3', node: 'worker2' }]);
  });

  it('writes pod DNS names the way CoreDNS answers them', () => {
    expect(podDnsName('10.244.1.17', 'lab')).toBe('10-244-1-17.lab.pod.cluster.local');
  });
});
