/**
 * The cluster the network map e2e tests draw: the guide's three nodes on 10.1.1.0/24, two nginx pods of a
 * Deployment and a NodePort Service in front of them, as the Kubernetes API would return them.
 */
export const sampleClusterNames = {
  nodes: ['master1', 'worker1', 'worker2'],
  pods: ['nginx-6d4cf56db6-4xkzq', 'nginx-6d4cf56db6-9tj2m'],
  service: 'nginx-svc',
} as const;

function node(name: string, ip: string, podCIDR: string, controlPlane: boolean) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(controlPlane ? { 'node-role.kubernetes.io/control-plane': 'true' } : {}) } },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
}

function pod(name: string, nodeName: string, ip: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'nginx', 'pod-template-hash': '6d4cf56db6' } },
    spec: { nodeName, containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: ip },
  };
}

export function sampleClusterObjects(): Array<Record<string, unknown>> {
  const [first, second] = sampleClusterNames.pods;
  return [
    node('master1', '10.1.1.2', '10.244.0.0/24', true),
    node('worker1', '10.1.1.3', '10.244.1.0/24', false),
    node('worker2', '10.1.1.4', '10.244.2.0/24', false),
    pod(first, 'worker1', '10.244.1.5'),
    pod(second, 'worker2', '10.244.2.6'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: sampleClusterNames.service, namespace: 'default' },
      spec: {
        type: 'NodePort',
        clusterIP: '10.96.120.15',
        clusterIPs: ['10.96.120.15'],
        selector: { app: 'nginx' },
        ports: [{ port: 80, targetPort: 80, nodePort: 30080, protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${sampleClusterNames.service}-abc12`, namespace: 'default', labels: { 'kubernetes.io/service-name': sampleClusterNames.service } },
      addressType: 'IPv4',
      ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'worker1', targetRef: { kind: 'Pod', namespace: 'default', name: first } },
        { addresses: ['10.244.2.6'], conditions: { ready: true }, nodeName: 'worker2', targetRef: { kind: 'Pod', namespace: 'default', name: second } },
      ],
    },
  ];
}
