import type { NetworkMap, PacketPath } from '../../../electron/common/api/cluster.ts';

/** The cluster the guide builds by lab 1.9: three nodes, two nginx pods behind a NodePort service. */
export function sampleNetworkMap(): NetworkMap {
  return {
    available: true,
    updatedAt: '2026-01-01T10:00:00Z',
    nodes: [
      {
        name: 'master1',
        role: 'control-plane',
        ip: '10.1.1.10',
        podCIDR: '10.244.0.0/24',
        ready: true,
        interfaces: [
          { name: 'eth0', kind: 'ethernet', address: '10.1.1.10/24' },
          { name: 'flannel.1', kind: 'vxlan', address: '10.244.0.0/32' },
          { name: 'cni0', kind: 'bridge', address: '10.244.0.1/24' },
        ],
      },
      { name: 'worker1', role: 'worker', ip: '10.1.1.7', podCIDR: '10.244.1.0/24', ready: true },
      { name: 'worker2', role: 'worker', ip: '10.1.1.8', podCIDR: '10.244.2.0/24', ready: false },
    ],
    pods: [
      { namespace: 'default', name: 'nginx-7c5ddbdf54-abcde', node: 'worker1', ip: '10.244.1.5', phase: 'Running', labels: { app: 'nginx' }, dnsName: '10-244-1-5.default.pod.cluster.local' },
      { namespace: 'default', name: 'nginx-7c5ddbdf54-fghij', node: 'worker2', ip: '10.244.2.7', phase: 'Running', labels: { app: 'nginx' } },
      { namespace: 'default', name: 'pending-pod', phase: 'Pending', labels: {} },
      { namespace: 'kube-system', name: 'coredns-1', node: 'master1', ip: '10.244.0.3', phase: 'Running', labels: {} },
    ],
    services: [
      {
        namespace: 'default',
        name: 'nginx',
        type: 'NodePort',
        clusterIP: '10.96.12.34',
        ports: [{ port: 80, targetPort: 80, nodePort: 30080, protocol: 'TCP' }],
        selector: { app: 'nginx' },
        endpoints: [
          { ip: '10.244.1.5', podName: 'nginx-7c5ddbdf54-abcde', node: 'worker1' },
          { ip: '10.244.2.7', node: 'worker2' },
        ],
        dnsName: 'nginx.default.svc.cluster.local',
      },
    ],
    lab: { network: '10.1.1.0/24', jumphost: { ip: '10.1.1.5' }, publishedPorts: [{ nodePort: 30080, hostPort: 30080, host: '127.0.0.1', node: 'master1' }] },
  };
}

/** A busy workshop cluster: `pods` pods spread over the three nodes, one Service per ten pods. */
export function crowdedNetworkMap(pods: number): NetworkMap {
  const base = sampleNetworkMap();
  const nodes = base.nodes.map((node) => node.name);
  const list = Array.from({ length: pods }, (_, index) => {
    const node = nodes[index % nodes.length] ?? 'worker1';
    const ip = `10.244.${index % nodes.length}.${Math.floor(index / nodes.length) + 2}`;
    return { namespace: 'default', name: `app-${Math.floor(index / 10)}-${index}`, node, ip, phase: 'Running', labels: { app: `app-${Math.floor(index / 10)}` } };
  });
  const services = Array.from({ length: Math.ceil(pods / 10) }, (_, group) => ({
    namespace: 'default',
    name: `app-${group}`,
    type: 'ClusterIP',
    clusterIP: `10.96.1.${group + 1}`,
    ports: [{ port: 80, protocol: 'TCP' }],
    selector: { app: `app-${group}` },
    endpoints: list.filter((pod) => pod.labels.app === `app-${group}`).map((pod) => ({ ip: pod.ip, podName: pod.name, node: pod.node })),
    dnsName: `app-${group}.default.svc.cluster.local`,
  }));
  return { ...base, pods: list, services };
}

/** A ClusterIP request from the jumphost, as the tracer reports it (shape of electron/node/cluster/packet-path). */
export function samplePacketPath(): PacketPath {
  const sep = '[1:60] -A KUBE-SEP-FOZRSOF3XXNZOTMI -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.2.7:80';
  const conntrack = 'tcp      6 119 TIME_WAIT src=10.1.1.5 dst=10.96.12.34 sport=36222 dport=80 src=10.244.2.7 dst=10.244.0.0 sport=80 dport=1750 [ASSURED] mark=0 use=1';
  return {
    status: 'traced',
    command: 'curl http://10.96.12.34/',
    terminal: 'jumphost',
    tracedAt: '2026-01-01T10:00:05Z',
    summary: '`curl http://10.96.12.34/` entered at master1, default/nginx\'s rules chose 10.244.2.7 (nginx-7c5ddbdf54-fghij on worker2); the pod saw source 10.244.0.0.',
    entryNode: 'master1',
    service: { namespace: 'default', name: 'nginx' },
    endpoints: [{ ip: '10.244.2.7', port: 80, node: 'worker2', pod: 'default/nginx-7c5ddbdf54-fghij', packets: 1 }],
    from: '10.1.1.5',
    sourceSeen: '10.244.0.0',
    hops: [
      { kind: 'source', node: 'master1', title: 'Sent by 10.1.1.5 (jumphost terminal) to 10.96.12.34:80', text: conntrack, command: 'conntrack -L -d 10.96.12.34' },
      { kind: 'rule', node: 'master1', title: 'KUBE-SEP-FOZRSOF3XXNZOTMI (default/nginx): +1 packet', text: sep, command: 'iptables -t nat -L KUBE-SEP-FOZRSOF3XXNZOTMI -v -n -x', packets: 1 },
      { kind: 'route', node: 'master1', title: 'Crossed from master1 to worker2 through the VXLAN tunnel flannel.1 (via 10.244.2.0)', text: '10.244.2.7 via 10.244.2.0 dev flannel.1 src 10.244.0.0 uid 0', command: 'ip route get 10.244.2.7' },
    ],
  };
}
