import type { NetworkMap } from '../../../../electron/common/api/cluster.ts';
import { servicePortsText, type PlacedHost, type PlacedNode } from '../../lib/network-layout.ts';

/** What a screen reader says about each element: the same facts the picture shows, as one sentence. */

export function describeHost(host: PlacedHost, map: NetworkMap): string {
  if (host.key === 'host:jumphost') {
    return `The jumphost, ${map.lab?.jumphost?.ip ?? 'address unknown'} on the lab network ${map.lab?.network ?? ''}: your kubectl and curl run here; it routes pod and Service addresses to the nodes.`.replace(/\s+/g, ' ');
  }
  const ports = map.lab?.publishedPorts ?? [];
  return ports.length > 0
    ? `This computer. It reaches the cluster through published ports: ${ports.map((item) => `${item.host}:${item.hostPort} forwards to ${item.node ?? 'a node'} port ${item.nodePort}`).join('; ')}.`
    : 'This computer. No NodePort is published on it yet.';
}

export function describeNode(column: PlacedNode, map: NetworkMap): string {
  const node = column.node;
  if (!node) return `${column.pods.length} pods no node has taken yet.`;
  const devices = (node.interfaces ?? []).map((item) => `${item.name}${item.address ? ` ${item.address}` : ''} (${item.kind === 'vxlan' ? 'VXLAN tunnel' : item.kind === 'bridge' ? 'pod bridge' : 'lab network'})`);
  const ports = [...new Set(map.services.flatMap((service) => service.ports.flatMap((port) => (port.nodePort ? [port.nodePort] : []))))];
  return [
    `${node.name}, ${node.role}${node.ready ? '' : ', not ready'}, address ${node.ip ?? 'unknown'}`,
    `pod network ${node.podCIDR ?? 'unknown'}`,
    devices.length > 0 ? `devices ${devices.join(', ')}` : '',
    ports.length > 0 ? `NodePorts ${ports.join(', ')}` : '',
    `${column.pods.length} pod${column.pods.length === 1 ? '' : 's'} shown`,
  ]
    .filter(Boolean)
    .join('; ');
}

export function describePod(pod: NetworkMap['pods'][number]): string {
  return `${pod.phase}${pod.ip ? `, IP ${pod.ip}` : ', no IP yet'}${pod.node ? `, on ${pod.node}` : ''}${pod.dnsName ? `, DNS: ${pod.dnsName}` : ''}`;
}

export function describeService(service: NetworkMap['services'][number]): string {
  const endpoints = service.endpoints.map((endpoint) => `${endpoint.ip}${endpoint.node ? ` on ${endpoint.node}` : ''}`);
  return `${service.type} Service, ClusterIP ${service.clusterIP ?? 'none'}, ports ${servicePortsText(service) || 'none'}, ${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}${endpoints.length > 0 ? `: ${endpoints.join(', ')}` : ''}. DNS: ${service.dnsName}`;
}
