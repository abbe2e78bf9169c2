import type { NetworkMap } from '../../../electron/common/api/cluster.ts';

/** The cluster the guide builds by lab 1.9: three nodes, two nginx pods behind a NodePort service. */
export function sampleNetworkMap(): NetworkMap {
  return {
    available: true,
    updatedAt: '2026-01-01T10:00:00Z',
    nodes: [
      { name: 'master1', role: 'control-plane', ip: '10.1.1.2', podCIDR: '10.42.0.0/24', ready: true },
      { name: 'worker1', role: 'worker', ip: '10.1.1.3', podCIDR: '10.42.1.0/24', ready: true },
      { name: 'worker2', role: 'worker', ip: '10.1.1.4', podCIDR: '10.42.2.0/24', ready: false },
    ],
    pods: [
      { namespace: 'default', name: 'nginx-7c5ddbdf54-abcde', node: 'worker1', ip: '10.42.1.5', phase: 'Running', labels: { app: 'nginx' }, dnsName: '10-42-1-5.default.pod.cluster.local' },
      { namespace: 'default', name: 'nginx-7c5ddbdf54-fghij', node: 'worker2', ip: '10.42.2.7', phase: 'Running', labels: { app: 'nginx' } },
      { namespace: 'default', name: 'pending-pod', phase: 'Pending', labels: {} },
      { namespace: 'kube-system', name: 'coredns-1', node: 'master1', ip: '10.42.0.3', phase: 'Running', labels: {} },
    ],
    services: [
      {
        namespace: 'default',
        name: 'nginx',
        type: 'NodePort',
        clusterIP: '10.43.12.34',
        ports: [{ port: 80, targetPort: 80, nodePort: 30080, protocol: 'TCP' }],
        selector: { app: 'nginx' },
        endpoints: [
          { ip: '10.42.1.5', podName: 'nginx-7c5ddbdf54-abcde', node: 'worker1' },
          { ip: '10.42.2.7', node: 'worker2' },
        ],
        dnsName: 'nginx.default.svc.cluster.local',
      },
    ],
  };
}
