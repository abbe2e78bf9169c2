import type { PacketPath } from '../../../../electron/common/api/cluster.ts';
import { GUTTER, serviceKey, type Box, type MapLayout, type PlacedNode } from '../../lib/network-layout.ts';

export interface PathSegment {
  key: string;
  d: string;
  label: string;
  labelX: number;
  labelY: number;
}

export interface PathOverlay {
  segments: PathSegment[];
  /** Keys of the boxes the packet went through (source, entry node, Service, endpoint pods). */
  onPath: Set<string>;
}

/** Where the request came from: a pod, the jumphost, a node, or this computer (Docker's gateway). */
function sourceKey(layout: MapLayout, path: PacketPath): string | null {
  if (path.from) {
    for (const column of layout.nodes) {
      const pod = column.pods.find((item) => item.pod.ip === path.from);
      if (pod) return pod.key;
    }
    if (layout.hosts.some((host) => host.key === 'host:jumphost') && path.terminal === 'jumphost') return 'host:jumphost';
    const node = layout.nodes.find((column) => column.node?.ip === path.from);
    if (node) return node.key;
  }
  if (path.terminal === 'jumphost' && layout.hosts.some((host) => host.key === 'host:jumphost')) return 'host:jumphost';
  if (path.terminal && layout.nodes.some((column) => column.node?.name === path.terminal)) return `node:${path.terminal}`;
  return 'host:laptop';
}

function boxOf(layout: MapLayout, key: string): Box | undefined {
  return (
    layout.hosts.find((host) => host.key === key) ??
    layout.nodes.find((node) => node.key === key) ??
    layout.nodes.flatMap((node) => node.pods).find((pod) => pod.key === key) ??
    layout.services.find((service) => service.key === key)
  );
}

/**
 * Lines at right angles through the free spaces of the map, like the Service arrows, so they never run over
 * text: into the entry node from above, and from above the entry node along the lane left of the pod's column.
 */
function intoNode(from: Box, entry: Box): { d: string; labelX: number; labelY: number } {
  const x1 = from.x + from.width / 2 + 14;
  const x2 = entry.x + entry.width / 2 - 14;
  const turnY = entry.y - 34;
  return { d: `M ${x1} ${from.y + from.height} V ${turnY} H ${x2} V ${entry.y - 2}`, labelX: Math.min(x1, x2) + 8, labelY: turnY - 6 };
}

function toPod(entry: Box, column: PlacedNode, pod: Box, lane: number): { d: string; labelX: number; labelY: number } {
  const startX = entry.x + entry.width / 2 + 14 + lane;
  const turnY = entry.y - 22 + lane / 2;
  const laneX = column.x - GUTTER + lane;
  return { d: `M ${startX} ${entry.y} V ${turnY} H ${laneX} V ${pod.y + pod.height / 2} H ${pod.x - 2}`, labelX: laneX + 6, labelY: pod.y - 6 };
}

/** The packet's path drawn over the map: from its source into the entry node, then to each endpoint used. */
export function pathOverlay(layout: MapLayout, path: PacketPath | null): PathOverlay {
  const onPath = new Set<string>();
  const segments: PathSegment[] = [];
  if (!path || path.status !== 'traced' || !path.entryNode) return { segments, onPath };
  const entryKey = `node:${path.entryNode}`;
  const entry = boxOf(layout, entryKey);
  const source = sourceKey(layout, path);
  onPath.add(entryKey);
  if (path.service) onPath.add(serviceKey(path.service));
  const sourceBox = source && source !== entryKey ? boxOf(layout, source) : undefined;
  if (source && sourceBox && entry) {
    onPath.add(source);
    const drawn = intoNode(sourceBox, entry);
    segments.push({ key: `path:${source}->${entryKey}`, d: drawn.d, label: path.from ?? '', labelX: drawn.labelX, labelY: drawn.labelY });
  }
  path.endpoints.forEach((endpoint, index) => {
    const column = layout.nodes.find((node) => node.pods.some((item) => item.pod.ip === endpoint.ip));
    const pod = column?.pods.find((item) => item.pod.ip === endpoint.ip);
    if (!pod || !column || !entry) return;
    onPath.add(pod.key);
    const drawn = toPod(entry, column, pod, index * 6);
    const label = path.endpoints.length > 1 ? `${endpoint.packets}×` : path.sourceSeen ? `from ${path.sourceSeen}` : '';
    segments.push({ key: `path:${entryKey}->${pod.key}`, d: drawn.d, label, labelX: drawn.labelX, labelY: drawn.labelY });
  });
  return { segments, onPath };
}
