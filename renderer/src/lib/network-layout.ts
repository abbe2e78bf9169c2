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

/** One line of text inside a box, already shortened to fit it. */
export interface TextLine {
  text: string;
  x: number;
  y: number;
  size: number;
  kind: 'title' | 'label' | 'meta';
}

export interface PlacedPod extends Box {
  pod: MapPod;
  key: string;
  highlighted: boolean;
  lines: TextLine[];
}

export interface PlacedNode extends Box {
  /** null for the column of pods no node has taken yet. */
  node: MapNode | null;
  key: string;
  title: string;
  pods: PlacedPod[];
  highlighted: boolean;
  lines: TextLine[];
}

export interface PlacedService extends Box {
  service: MapService;
  key: string;
  highlighted: boolean;
  lines: TextLine[];
}

/** The laptop and the jumphost: the two places outside the cluster an attendee types in. */
export interface PlacedHost extends Box {
  key: 'host:laptop' | 'host:jumphost';
  title: string;
  lines: TextLine[];
  /** Where the host joins the lab network bar; the laptop only reaches it through published ports. */
  link: { x: number; fromY: number; toY: number; dashed: boolean; label: string };
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
  hosts: PlacedHost[];
  network: Box & { label: string };
  /** Lines from the network bar down to each node, with the node's address beside them. */
  links: Array<{ key: string; path: string; label: string; labelX: number; labelY: number }>;
  nodes: PlacedNode[];
  services: PlacedService[];
  servicesHeading: { x: number; y: number; text: string } | null;
  arrows: Arrow[];
  hiddenSystemPods: number;
  /** The smallest font size used, in layout units: the display scale must keep it at 12 px or more. */
  minFontSize: number;
}

export const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

/** Text sizes in layout units (CSS px at scale 1). Nothing is drawn smaller than META. */
export const FONT = { title: 16, label: 14, meta: 13 } as const;
/** No text under this many CSS pixels on screen (WCAG-minded floor for a dense diagram). */
export const MIN_SCREEN_FONT_PX = 12;

const MARGIN = 20;
/** Left lane: the trunk from the network bar to lower rows of nodes runs here. */
const LEFT = 60;
const COLUMN_WIDTH = 280;
const COLUMN_GAP = 40;
/** Half the gap between node columns: the free lane left of each column that lines run along. */
export const GUTTER = 20;
const LINE = 21;
const POD_HEIGHT = 52;
const POD_GAP = 8;
const SERVICE_HEIGHT = 100;
const ROW_GAP = 64;
const NETWORK_HEIGHT = 34;
/** Average glyph width relative to the font size: monospace is exact, sans is a safe upper bound. */
const GLYPH = { title: 0.64, label: 0.62, meta: 0.61 } as const;

/** Shortens text to what fits `width` at `size`, ending with … when cut. */
export function fitText(text: string, width: number, size: number, kind: TextLine['kind']): string {
  const max = Math.max(4, Math.floor(width / (size * GLYPH[kind])));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function line(text: string, box: { x: number; width: number }, y: number, kind: TextLine['kind']): TextLine {
  const size = kind === 'title' ? FONT.title : kind === 'label' ? FONT.label : FONT.meta;
  return { text: fitText(text, box.width - 24, size, kind), x: box.x + 12, y, size, kind };
}

function matches(ref: ObjectRef, kind: string, namespace: string | undefined, name: string): boolean {
  return ref.kind.toLowerCase() === kind.toLowerCase() && ref.name === name && (ref.namespace ?? 'default') === (namespace ?? 'default');
}

function podFocused(pod: MapPod, focus: readonly ObjectRef[]): boolean {
  return focus.some(
    (ref) =>
      matches(ref, 'Pod', pod.namespace, pod.name) ||
      // A Deployment or ReplicaSet in focus lights up the pods it owns, whose names start with its name.
      (['deployment', 'replicaset'].includes(ref.kind.toLowerCase()) && (ref.namespace ?? 'default') === pod.namespace && pod.name.startsWith(`${ref.name}-`)),
  );
}

export function podKey(pod: Pick<MapPod, 'namespace' | 'name'>): string {
  return `pod:${pod.namespace}/${pod.name}`;
}

export function serviceKey(service: Pick<MapService, 'namespace' | 'name'>): string {
  return `service:${service.namespace}/${service.name}`;
}

/** How many node columns fit `width`; every node in one row when no width is given. */
export function columnsFor(width: number | undefined, count: number): number {
  if (width === undefined) return Math.max(1, count);
  const fit = Math.floor((width - LEFT - MARGIN + COLUMN_GAP) / (COLUMN_WIDTH + COLUMN_GAP));
  return Math.max(1, Math.min(Math.max(1, count), fit));
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

function nodePorts(services: readonly MapService[]): number[] {
  return [...new Set(services.flatMap((service) => service.ports.flatMap((port) => (port.nodePort ? [port.nodePort] : []))))].sort((a, b) => a - b);
}

/**
 * The whole picture, top to bottom: the laptop and the jumphost, the lab network they and the nodes share,
 * the nodes (address, pod subnet, CNI devices, NodePorts) with their pods inside, then the Services as virtual
 * addresses with a line to each endpoint. Node columns wrap to `width`, so the map fits its pane at a size
 * that keeps every text readable. Pure, so it is tested without a DOM.
 */
export function layoutNetworkMap(map: NetworkMap, focus: readonly ObjectRef[], options: { showSystem: boolean; width?: number }): MapLayout {
  const visiblePods = map.pods.filter((pod) => options.showSystem || !SYSTEM_NAMESPACES.has(pod.namespace));
  const services = map.services.filter((service) => options.showSystem || !SYSTEM_NAMESPACES.has(service.namespace));
  const columns: Array<{ node: MapNode | null; pods: MapPod[] }> = map.nodes.map((node) => ({ node, pods: visiblePods.filter((pod) => pod.node === node.name) }));
  const known = new Set(map.nodes.map((node) => node.name));
  const unscheduled = visiblePods.filter((pod) => !pod.node || !known.has(pod.node));
  if (unscheduled.length > 0) columns.push({ node: null, pods: unscheduled });

  const perRow = columnsFor(options.width, columns.length);
  const columnX = (index: number) => LEFT + (index % perRow) * (COLUMN_WIDTH + COLUMN_GAP);
  const contentRight = LEFT + perRow * COLUMN_WIDTH + (perRow - 1) * COLUMN_GAP;

  // Hosts outside the cluster, on the first row.
  const hosts: PlacedHost[] = [];
  const ports = nodePorts(map.services);
  const published = map.lab?.publishedPorts ?? [];
  const laptopLines = published.length > 0 ? published.map((item) => `${item.host}:${item.hostPort} → ${item.node ?? 'node'}:${item.nodePort}`) : [ports.length > 0 ? 'No NodePort published here' : 'No NodePort Service yet'];
  const hostTop = MARGIN;
  const laptopBox = { x: columnX(0), y: hostTop, width: COLUMN_WIDTH, height: 34 + LINE * (laptopLines.length + 1) };
  const jumphostBox = { x: perRow > 1 ? columnX(1) : columnX(0), y: perRow > 1 ? hostTop : hostTop + laptopBox.height + 16, width: COLUMN_WIDTH, height: 34 + LINE * 2 };
  const hostsBottom = Math.max(laptopBox.y + laptopBox.height, map.lab?.jumphost ? jumphostBox.y + jumphostBox.height : 0);
  const network = { x: MARGIN, y: hostsBottom + 40, width: Math.max(contentRight, LEFT + COLUMN_WIDTH) - MARGIN, height: NETWORK_HEIGHT, label: `Lab network ${map.lab?.network ?? ''}`.trim() };
  hosts.push({
    key: 'host:laptop',
    title: 'This computer',
    ...laptopBox,
    lines: [line('This computer (laptop)', laptopBox, laptopBox.y + 24, 'title'), line('Published ports:', laptopBox, laptopBox.y + 24 + LINE, 'label'), ...laptopLines.map((text, index) => line(text, laptopBox, laptopBox.y + 24 + LINE * (index + 2), 'meta'))],
    link: { x: laptopBox.x + laptopBox.width / 2, fromY: laptopBox.y + laptopBox.height, toY: network.y, dashed: true, label: 'Docker publishes' },
  });
  if (map.lab?.jumphost) {
    hosts.push({
      key: 'host:jumphost',
      title: 'jumphost',
      ...jumphostBox,
      lines: [line('jumphost', jumphostBox, jumphostBox.y + 24, 'title'), line(`eth0 ${map.lab.jumphost.ip}`, jumphostBox, jumphostBox.y + 24 + LINE, 'meta'), line('kubectl, curl, routes to pods', jumphostBox, jumphostBox.y + 24 + LINE * 2, 'label')],
      link: { x: jumphostBox.x + jumphostBox.width / 2, fromY: jumphostBox.y + jumphostBox.height, toY: network.y, dashed: false, label: map.lab.jumphost.ip },
    });
  }

  // Nodes, row by row; each row's height is its tallest node.
  const nodes: PlacedNode[] = [];
  const links: MapLayout['links'] = [];
  let rowTop = network.y + network.height + ROW_GAP;
  for (let start = 0; start < columns.length; start += perRow) {
    const row = columns.slice(start, start + perRow);
    const placedRow = row.map((column, offset) => placeNode(column, columnX(start + offset), rowTop, ports, focus));
    const rowHeight = Math.max(...placedRow.map((node) => node.height));
    for (const node of placedRow) {
      node.height = rowHeight;
      nodes.push(node);
      if (!node.node) continue;
      const x = node.x + node.width / 2;
      const address = node.node.ip ?? '';
      // The first row hangs from the bar; later rows from a branch of the trunk in the left lane.
      const branchY = rowTop - ROW_GAP / 2;
      const path = start === 0 ? `M ${x} ${network.y + network.height} V ${node.y}` : `M ${MARGIN + 4} ${branchY} H ${x} V ${node.y}`;
      links.push({ key: `link:${node.key}`, path, label: address, labelX: x + 8, labelY: node.y - 12 });
    }
    if (start > 0) links.push({ key: `trunk:${start}`, path: `M ${MARGIN + 4} ${network.y + network.height} V ${rowTop - ROW_GAP / 2}`, label: '', labelX: 0, labelY: 0 });
    rowTop += rowHeight + ROW_GAP;
  }

  // Services below the nodes, wrapping the same way.
  const servicesTop = rowTop + 10;
  const placedServices: PlacedService[] = services.map((service, index) => {
    const box = { x: columnX(index), y: servicesTop + Math.floor(index / perRow) * (SERVICE_HEIGHT + 24), width: COLUMN_WIDTH, height: SERVICE_HEIGHT };
    const name = `${service.namespace === 'default' ? service.name : `${service.namespace}/${service.name}`} · ${service.type}`;
    return {
      service,
      key: serviceKey(service),
      ...box,
      highlighted: focus.some((ref) => matches(ref, 'Service', service.namespace, service.name)),
      lines: [
        line(name, box, box.y + 24, 'label'),
        line(`ClusterIP ${service.clusterIP ?? '—'}`, box, box.y + 24 + LINE, 'meta'),
        line(servicePortsText(service), box, box.y + 24 + LINE * 2, 'meta'),
        line(`${service.endpoints.length} endpoint${service.endpoints.length === 1 ? '' : 's'}`, box, box.y + 24 + LINE * 3, 'meta'),
      ],
    };
  });

  const arrows = serviceArrows(placedServices, nodes, servicesTop);
  const bottom = Math.max(
    rowTop,
    ...placedServices.map((box) => box.y + box.height),
  );
  return {
    width: Math.max(contentRight, LEFT + COLUMN_WIDTH) + MARGIN,
    height: bottom + MARGIN,
    hosts,
    network,
    links,
    nodes,
    services: placedServices,
    servicesHeading: placedServices.length > 0 ? { x: LEFT, y: servicesTop - 14, text: "Services: virtual addresses, answered by kube-proxy's rules on every node" } : null,
    arrows,
    hiddenSystemPods: map.pods.length - visiblePods.length,
    minFontSize: FONT.meta,
  };
}

function placeNode(column: { node: MapNode | null; pods: MapPod[] }, x: number, y: number, ports: readonly number[], focus: readonly ObjectRef[]): PlacedNode {
  const box = { x, width: COLUMN_WIDTH };
  const node = column.node;
  const texts: Array<[string, TextLine['kind']]> = [];
  if (node) {
    texts.push([`${node.name} · ${node.role}`, 'title']);
    const own = node.interfaces?.find((item) => item.kind === 'ethernet');
    texts.push([`${own ? `${own.name} ` : 'IP '}${own?.address ?? node.ip ?? '—'}${node.ready ? '' : ' · not ready'}`, 'meta']);
    texts.push([`Pods ${node.podCIDR ?? '—'}`, 'meta']);
    for (const device of node.interfaces ?? []) {
      if (device.kind === 'ethernet') continue;
      texts.push([`${device.name} ${device.address ?? ''} ${device.kind === 'vxlan' ? 'VXLAN' : 'bridge'}`.replace(/\s+/g, ' '), 'meta']);
    }
    if (ports.length > 0) texts.push([`NodePort ${ports.join(', ')}`, 'meta']);
  } else {
    texts.push(['Not scheduled', 'title'], ['Pods no node has taken yet', 'label']);
  }
  const lines = texts.map(([text, kind], index) => line(text, box, y + 24 + index * LINE, kind));
  const header = 24 + texts.length * LINE;
  const pods = column.pods.map((pod, index): PlacedPod => {
    const podBox = { x: x + 12, y: y + header + index * (POD_HEIGHT + POD_GAP), width: COLUMN_WIDTH - 24, height: POD_HEIGHT };
    return {
      pod,
      key: podKey(pod),
      ...podBox,
      highlighted: podFocused(pod, focus),
      lines: [line(pod.namespace === 'default' ? pod.name : `${pod.namespace}/${pod.name}`, podBox, podBox.y + 21, 'label'), line(`${pod.ip ?? 'no IP yet'} · ${pod.phase}`, podBox, podBox.y + 41, 'meta')],
    };
  });
  if (pods.length === 0) lines.push(line('No pods', box, y + header + 18, 'meta'));
  return {
    node,
    key: node ? `node:${node.name}` : 'node:(unscheduled)',
    title: node?.name ?? 'Not scheduled',
    x,
    y,
    width: COLUMN_WIDTH,
    height: header + Math.max(1, pods.length) * (POD_HEIGHT + POD_GAP) + 8,
    pods,
    highlighted: node ? focus.some((ref) => matches(ref, 'Node', undefined, node.name)) : false,
    lines,
  };
}

/**
 * A line from each Service up to each endpoint pod: out of the top of the Service, along the gap above the
 * Services, up the lane left of the pod's column, into the pod from the side, never across text.
 */
function serviceArrows(services: readonly PlacedService[], nodes: readonly PlacedNode[], servicesTop: number): Arrow[] {
  const podsByIp = new Map<string, { pod: PlacedPod; column: PlacedNode }>();
  const podsByName = new Map<string, { pod: PlacedPod; column: PlacedNode }>();
  for (const column of nodes) {
    for (const pod of column.pods) {
      if (pod.pod.ip) podsByIp.set(pod.pod.ip, { pod, column });
      podsByName.set(`${pod.pod.namespace}/${pod.pod.name}`, { pod, column });
    }
  }
  const arrows: Arrow[] = [];
  services.forEach((placed, index) => {
    const lane = ((index % 5) - 2) * 4;
    for (const endpoint of placed.service.endpoints) {
      const found = (endpoint.podName ? podsByName.get(`${placed.service.namespace}/${endpoint.podName}`) : undefined) ?? podsByIp.get(endpoint.ip);
      if (!found) continue;
      const startX = placed.x + placed.width / 2 + lane;
      const laneX = found.column.x - COLUMN_GAP / 2 + lane;
      const gapY = servicesTop - 30 + lane / 2;
      arrows.push({
        key: `${placed.key}->${found.pod.key}`,
        from: placed.key,
        to: found.pod.key,
        path: `M ${startX} ${placed.y} V ${gapY} H ${laneX} V ${found.pod.y + found.pod.height / 2} H ${found.pod.x - 2}`,
        highlighted: placed.highlighted || found.pod.highlighted,
      });
    }
  });
  return arrows;
}

/**
 * The drawing scale: as large as `preferred` (1, or more in presenter mode) while the map fits `paneWidth`,
 * never so small that the smallest text drops under 12 CSS px (then the pane scrolls), times the zoom.
 */
export function displayScale(layout: Pick<MapLayout, 'width' | 'minFontSize'>, paneWidth: number, preferred: number, zoom: number): number {
  const floor = MIN_SCREEN_FONT_PX / layout.minFontSize;
  const fit = paneWidth > 0 ? Math.min(preferred, paneWidth / layout.width) : preferred;
  return Math.max(floor, fit * zoom);
}
