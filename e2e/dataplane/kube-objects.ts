import type { KubeObject } from '../../electron/node/checks/check-world.ts';
import { podGateway, serviceEndpoints, worldNamespaces, type World } from './world.ts';

/**
 * The Kubernetes objects the API server would hold for a world, in the shape `kubectl get -o json` prints:
 * what the product's probe references (`${service:default/nginx}.spec.clusterIP`, `${node:master1}.spec.podCIDR`)
 * resolve against. Only the fields the labs read are filled in.
 */
export function worldObjects(world: World): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const name of worldNamespaces(world)) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, status: { phase: 'Active' } });
  }
  for (const node of world.nodes) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: node.name,
        labels: { 'kubernetes.io/hostname': node.name, ...(node.role === 'server' ? { 'node-role.kubernetes.io/control-plane': 'true' } : {}) },
        annotations: { 'flannel.alpha.coreos.com/backend-type': 'host-gw', 'flannel.alpha.coreos.com/public-ip': node.ip },
      },
      spec: { podCIDR: node.podCidr, podCIDRs: [node.podCidr] },
      status: { addresses: [{ type: 'InternalIP', address: node.ip }, { type: 'Hostname', address: node.name }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  for (const pod of world.pods) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod.name, namespace: pod.namespace, labels: { ...pod.labels } },
      spec: { nodeName: pod.node, dnsPolicy: pod.dnsPolicy ?? 'ClusterFirst', containers: [{ name: pod.name.split('-')[0] ?? pod.name, image: pod.imageName ?? pod.image }] },
      status: {
        phase: 'Running',
        podIP: pod.ip,
        podIPs: [{ ip: pod.ip }],
        hostIP: world.nodes.find((node) => node.name === pod.node)?.ip,
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
  }
  for (const service of world.services) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service.name, namespace: service.namespace },
      spec: {
        type: service.type,
        clusterIP: service.clusterIP,
        clusterIPs: [service.clusterIP],
        ...(service.selector ? { selector: { ...service.selector } } : {}),
        ports: service.ports.map((port) => ({
          ...(port.name ? { name: port.name } : {}),
          protocol: port.protocol,
          port: port.port,
          targetPort: port.targetPort,
          ...(port.nodePort !== undefined ? { nodePort: port.nodePort } : {}),
        })),
        ...(service.type === 'NodePort' ? { externalTrafficPolicy: 'Cluster' } : {}),
      },
    });
    const addresses = serviceEndpoints(world, service);
    objects.push({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: service.name, namespace: service.namespace },
      ...(addresses.length > 0
        ? {
            subsets: [
              {
                addresses: addresses.map((ip) => {
                  const pod = world.pods.find((candidate) => candidate.ip === ip);
                  return { ip, ...(pod ? { nodeName: pod.node, targetRef: { kind: 'Pod', name: pod.name, namespace: pod.namespace } } : {}) };
                }),
                ports: service.ports.map((port) => ({ ...(port.name ? { name: port.name } : {}), port: port.targetPort, protocol: port.protocol })),
              },
            ],
          }
        : {}),
    });
  }
  return objects;
}

/** The gateway a pod's default route points at: its node's address in the node's pod range. */
export function podDefaultGateway(world: World, nodeName: string): string {
  const node = world.nodes.find((candidate) => candidate.name === nodeName);
  if (!node) throw new Error(`the world has no node ${nodeName}`);
  return podGateway(node.podCidr);
}
