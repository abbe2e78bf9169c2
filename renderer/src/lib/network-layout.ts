import type { NetworkMap } from '../../../electron/common/api/cluster.ts';
import type { ObjectRef } from '../../../electron/common/api/labs.ts';

type MapNode = NetworkMap['nodes'][number];
type MapPod = NetworkMap['pods'][number];
type MapService = NetworkMap['services'][number];

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedPod extends Box {
  pod: MapPod;
  key: string;
  highlighted: boolean;
}

export interface PlacedNode extends Box {
  /** null for the column of pods no node has taken yet. */
  node: MapNode | null;
  title: string;
  pods: PlacedPod[];
  highlighted: boolean;
}

export interface PlacedService extends Box {
  service: MapService;
  key: string;
  highlighted: boolean;
}

export interface Arrow {
  key: string;
  from: string;
  to: string;
  path: string;
  highlighted: boolean;
}

export interface MapLayout {
  width: number;
  height: number;
  services: PlacedService[];
  nodes: PlacedNode[];
  arrows: Arrow[];
  hiddenSystemPods: number;
}

export const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

const MARGIN = 24;
/** Left margin: arrows run down the lane left of each node column, including the first one. */
const LEFT = 40;
const COLUMN_WIDTH = 270;
const COLUMN_GAP = 36;
const NODE_HEADER = 84;
const POD_HEIGHT = 58;
const POD_GAP = 10;
const SERVICE_WIDTH = 250;
const SERVICE_HEIGHT = 100;
const SERVICE_GAP = 24;
const ROW_GAP = 90;

function matches(ref: ObjectRef, kind: string, namespace: string | undefined, name: string): boolean {
  return ref.kind.toLowerCase() === kind.toLowerCase() && ref.name === name && (ref.namespace ?? 'default') === (namespace ?? 'default');
}

function podFocused(pod: MapPod, focus: readonly ObjectRef[]): boolean {
  return focus.some(
    (ref) =>
      matches(ref, 'Pod', pod.namespace, pod.name) ||
      // A Deployment or ReplicaSet in focus lights up the pods it owns, whose names start with its name.
      (['deployment', 'replicaset'].includes(ref.kind.toLowerCase()) &&
        (ref.namespace ?? 'default') === pod.namespace &&
        pod.name.startsWith(`${ref.name}-`)),
  );
}

function podKey(pod: MapPod): string {
  return `pod:${pod.namespace}/${pod.name}`;
}

/**
 * Places services on a row above one column per node; each node column lists the pods scheduled on it.
 * Arrows run from a service to the pods behind its endpoints. Pure, so it is tested without a DOM.
 */
export function layoutNetworkMap(map: NetworkMap, focus: readonly ObjectRef[], options: { showSystem: boolean }): MapLayout {
  const visiblePods = map.pods.filter((pod) => options.showSystem || !SYSTEM_NAMESPACES.has(pod.namespace));
  const services = map.services.filter(
    (service) => options.showSystem || !SYSTEM_NAMESPACES.has(service.namespace),
  );

  const columns: Array<{ node: MapNode | null; pods: MapPod[] }> = map.nodes.map((node) => ({
    node,
    pods: visiblePods.filter((pod) => pod.node === node.name),
  }));
  const known = new Set(map.nodes.map((node) => node.name));
  const unscheduled = visiblePods.filter((pod) => !pod.node || !known.has(pod.node));
  if (unscheduled.length > 0) columns.push({ node: null, pods: unscheduled });

  const servicesTop = MARGIN;
  const nodesTop = services.length > 0 ? servicesTop + SERVICE_HEIGHT + ROW_GAP : MARGIN;

  const placedServices: PlacedService[] = services.map((service, index) => ({
    service,
    key: `service:${service.namespace}/${service.name}`,
    x: LEFT + index * (SERVICE_WIDTH + SERVICE_GAP),
    y: servicesTop,
    width: SERVICE_WIDTH,
    height: SERVICE_HEIGHT,
    highlighted: focus.some((ref) => matches(ref, 'Service', service.namespace, service.name)),
  }));

  const placedNodes: PlacedNode[] = columns.map((column, index) => {
    const x = LEFT + index * (COLUMN_WIDTH + COLUMN_GAP);
    const pods = column.pods.map((pod, podIndex) => ({
      pod,
      key: podKey(pod),
      x: x + 12,
      y: nodesTop + NODE_HEADER + podIndex * (POD_HEIGHT + POD_GAP),
      width: COLUMN_WIDTH - 24,
      height: POD_HEIGHT,
      highlighted: podFocused(pod, focus),
    }));
    const height = NODE_HEADER + Math.max(1, pods.length) * (POD_HEIGHT + POD_GAP) + 4;
    return {
      node: column.node,
      title: column.node?.name ?? 'Not scheduled',
      x,
      y: nodesTop,
      width: COLUMN_WIDTH,
      height,
      pods,
      highlighted: column.node ? focus.some((ref) => matches(ref, 'Node', undefined, column.node?.name ?? '')) : false,
    };
  });

  const podsByIp = new Map<string, PlacedPod>();
  const podsByName = new Map<string, PlacedPod>();
  for (const node of placedNodes) {
    for (const placed of node.pods) {
      if (placed.pod.ip) podsByIp.set(placed.pod.ip, placed);
      podsByName.set(`${placed.pod.namespace}/${placed.pod.name}`, placed);
    }
  }

  // Arrows leave a service downwards, cross the gap above the nodes, run down the lane left of the
  // target's column and enter the pod from the side, so they never cover a node's IP or pod network.
  const arrows: Arrow[] = [];
  const gapY = nodesTop - ROW_GAP / 2;
  placedServices.forEach((placed, serviceIndex) => {
    const lane = ((serviceIndex % 5) - 2) * 3;
    for (const endpoint of placed.service.endpoints) {
      const target =
        (endpoint.podName ? podsByName.get(`${placed.service.namespace}/${endpoint.podName}`) : undefined) ?? podsByIp.get(endpoint.ip);
      if (!target) continue;
      const column = placedNodes.find((node) => node.pods.includes(target));
      const startX = placed.x + placed.width / 2 + lane;
      const laneX = (column?.x ?? target.x) - COLUMN_GAP / 2 + lane;
      const endY = target.y + target.height / 2;
      arrows.push({
        key: `${placed.key}->${target.key}`,
        from: placed.key,
        to: target.key,
        path: `M ${startX} ${placed.y + placed.height} V ${gapY + lane} H ${laneX} V ${endY} H ${target.x - 2}`,
        highlighted: placed.highlighted || target.highlighted,
      });
    }
  });

  const rightmost = Math.max(
    ...placedServices.map((box) => box.x + box.width),
    ...placedNodes.map((box) => box.x + box.width),
    MARGIN + COLUMN_WIDTH,
  );
  const bottom = Math.max(...placedNodes.map((box) => box.y + box.height), nodesTop + NODE_HEADER);
  return {
    width: rightmost + MARGIN,
    height: bottom + MARGIN,
    services: placedServices,
    nodes: placedNodes,
    arrows,
    hiddenSystemPods: map.pods.length - visiblePods.length,
  };
}

export function servicePortsText(service: MapService): string {
  return service.ports
    .map((port) => {
      const target = port.targetPort === undefined ? '' : `→${port.targetPort}`;
      const nodePort = port.nodePort === undefined ? '' : ` (node ${port.nodePort})`;
      return `${port.port}${target}/${port.protocol}${nodePort}`;
    })
    .join(', ');
}
