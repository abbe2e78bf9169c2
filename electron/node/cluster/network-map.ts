import type { V1Endpoints, V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { NetworkMap } from '../../common/api/cluster.ts';

export interface ClusterObjects {
  nodes: readonly V1Node[];
  pods: readonly V1Pod[];
  services: readonly V1Service[];
  endpoints: readonly V1Endpoints[];
  endpointSlices: readonly V1EndpointSlice[];
}

const CLUSTER_DOMAIN = 'cluster.local';

type MapService = NetworkMap['services'][number];
type MapEndpoint = MapService['endpoints'][number];

/** The network map's picture of a cluster: who runs where, at which address, reachable under which name. */
export function buildNetworkMap(objects: ClusterObjects, now: Date = new Date()): NetworkMap {
  const podsByIp = new Map<string, V1Pod>();
  for (const pod of objects.pods) if (pod.status?.podIP) podsByIp.set(pod.status.podIP, pod);

  const nodes = objects.nodes.map((node) => {
    const labels = node.metadata?.labels ?? {};
    const ip = node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address;
    return {
      name: node.metadata?.name ?? '',
      role: 'node-role.kubernetes.io/control-plane' in labels || 'node-role.kubernetes.io/master' in labels ? 'control-plane' : 'worker',
      ...(ip ? { ip } : {}),
      ...(node.spec?.podCIDR ? { podCIDR: node.spec.podCIDR } : {}),
      ready: node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false,
    };
  });

  const pods = objects.pods.map((pod) => {
    const namespace = pod.metadata?.namespace ?? 'default';
    const ip = pod.status?.podIP;
    return {
      namespace,
      name: pod.metadata?.name ?? '',
      ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
      ...(ip ? { ip, dnsName: podDnsName(ip, namespace) } : {}),
      phase: pod.metadata?.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending'),
      labels: { ...(pod.metadata?.labels ?? {}) },
    };
  });

  const services = objects.services.map((service): MapService => {
    const namespace = service.metadata?.namespace ?? 'default';
    const name = service.metadata?.name ?? '';
    const clusterIP = service.spec?.clusterIP;
    return {
      namespace,
      name,
      type: service.spec?.type ?? 'ClusterIP',
      ...(clusterIP && clusterIP !== 'None' ? { clusterIP } : {}),
      ports: (service.spec?.ports ?? []).map((port) => ({
        ...(port.name ? { name: port.name } : {}),
        port: port.port,
        ...(port.targetPort !== undefined ? { targetPort: port.targetPort } : {}),
        ...(port.nodePort ? { nodePort: port.nodePort } : {}),
        protocol: port.protocol ?? 'TCP',
      })),
      selector: { ...(service.spec?.selector ?? {}) },
      endpoints: endpointsOf(namespace, name, objects, podsByIp),
      dnsName: `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`,
    };
  });

  const byName = <T extends { name: string; namespace?: string }>(a: T, b: T) =>
    (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name);
  return { nodes: nodes.sort(byName), pods: pods.sort(byName), services: services.sort(byName), available: true, updatedAt: now.toISOString() };
}

/** `10-244-1-5.default.pod.cluster.local`: the A record CoreDNS serves for a pod IP. */
export function podDnsName(ip: string, namespace: string): string {
  return `${ip.replaceAll('.', '-').replaceAll(':', '-')}.${namespace}.pod.${CLUSTER_DOMAIN}`;
}

/** Ready endpoints of a service: EndpointSlices when the cluster has them, else the older Endpoints object. */
function endpointsOf(namespace: string, name: string, objects: ClusterObjects, podsByIp: Map<string, V1Pod>): MapEndpoint[] {
  const slices = objects.endpointSlices.filter(
    (slice) => slice.metadata?.namespace === namespace && slice.metadata?.labels?.['kubernetes.io/service-name'] === name,
  );
  const found: MapEndpoint[] = [];
  if (slices.length > 0) {
    for (const slice of slices) {
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) continue;
        for (const ip of endpoint.addresses ?? []) {
          found.push(describeEndpoint(ip, endpoint.targetRef?.name, endpoint.nodeName, podsByIp));
        }
      }
    }
  } else {
    const legacy = objects.endpoints.find((item) => item.metadata?.namespace === namespace && item.metadata?.name === name);
    for (const subset of legacy?.subsets ?? []) {
      for (const address of subset.addresses ?? []) {
        found.push(describeEndpoint(address.ip, address.targetRef?.name, address.nodeName, podsByIp));
      }
    }
  }
  const unique = new Map(found.map((endpoint) => [endpoint.ip, endpoint]));
  return [...unique.values()].sort((a, b) => a.ip.localeCompare(b.ip));
}

function describeEndpoint(ip: string, podName: string | undefined, nodeName: string | undefined, podsByIp: Map<string, V1Pod>): MapEndpoint {
  const pod = podsByIp.get(ip);
  const resolvedPod = podName ?? pod?.metadata?.name;
  const resolvedNode = nodeName ?? pod?.spec?.nodeName;
  return { ip, ...(resolvedPod ? { podName: resolvedPod } : {}), ...(resolvedNode ? { node: resolvedNode } : {}) };
}

export function unavailableMap(message: string, now: Date = new Date()): NetworkMap {
  return { nodes: [], pods: [], services: [], available: false, message, updatedAt: now.toISOString() };
}
