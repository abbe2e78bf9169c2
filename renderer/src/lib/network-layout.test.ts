import { describe, expect, it } from 'vitest';
import { crowdedNetworkMap, sampleNetworkMap } from '../test/network-map-fixture.ts';
import { columnsFor, displayScale, fitText, FONT, layoutNetworkMap, MIN_SCREEN_FONT_PX, type Box, type MapLayout, type TextLine } from './network-layout.ts';

function allLines(layout: MapLayout): Array<{ line: TextLine; box: Box }> {
  return [
    ...layout.hosts.flatMap((box) => box.lines.map((line) => ({ line, box }))),
    ...layout.nodes.flatMap((box) => [...box.lines.map((line) => ({ line, box })), ...box.pods.flatMap((pod) => pod.lines.map((line) => ({ line, box: pod as Box })))]),
    ...layout.services.flatMap((box) => box.lines.map((line) => ({ line, box }))),
  ];
}

const inside = (inner: Box, outer: Box) => inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('layoutNetworkMap', () => {
  it('draws the laptop with its published port, the jumphost, the lab network and every node below it', () => {
    const layout = layoutNetworkMap(sampleNetworkMap(), [], { showSystem: false });
    const laptop = layout.hosts.find((host) => host.key === 'host:laptop');
    expect(laptop?.lines.map((line) => line.text)).toContain('127.0.0.1:30080 → master1:30080');
    expect(layout.hosts.find((host) => host.key === 'host:jumphost')?.lines.map((line) => line.text)).toContain('eth0 10.1.1.5');
    expect(layout.network.label).toBe('Lab network 10.1.1.0/24');
    for (const node of layout.nodes) expect(node.y).toBeGreaterThan(layout.network.y + layout.network.height);
    expect(layout.links.filter((link) => link.key.startsWith('link:')).map((link) => link.label)).toEqual(['10.1.1.10', '10.1.1.7', '10.1.1.8']);
  });

  it("shows a node's CNI devices and the NodePorts every node answers on", () => {
    const layout = layoutNetworkMap(sampleNetworkMap(), [], { showSystem: false });
    const master = layout.nodes.find((node) => node.node?.name === 'master1')!.lines.map((line) => line.text);
    expect(master).toEqual(expect.arrayContaining(['eth0 10.1.1.10/24', 'Pods 10.244.0.0/24', 'flannel.1 10.244.0.0/32 VXLAN', 'cni0 10.244.0.1/24 bridge', 'NodePort 30080']));
    const worker = layout.nodes.find((node) => node.node?.name === 'worker2')!.lines.map((line) => line.text);
    expect(worker).toEqual(expect.arrayContaining(['IP 10.1.1.8 · not ready', 'NodePort 30080']));
  });

  it('keeps every text inside its box and at least the readable minimum size', () => {
    const map = crowdedNetworkMap(40);
    map.pods.push({ namespace: 'a-namespace-with-a-long-name', name: `deployment-with-a-very-long-name-${'x'.repeat(40)}`, node: 'worker1', ip: '10.244.1.250', phase: 'ContainerCreating', labels: {} });
    map.services.push({ ...map.services[0]!, name: `service-${'y'.repeat(60)}`, ports: Array.from({ length: 6 }, (_, index) => ({ port: 8000 + index, nodePort: 30000 + index, protocol: 'TCP' })) });
    const layout = layoutNetworkMap(map, [], { showSystem: true, width: 700 });
    for (const { line, box } of allLines(layout)) {
      expect(line.size).toBeGreaterThanOrEqual(layout.minFontSize);
      // Average advance of the fonts used, bold included, stays under 0.64 em (titles) and 0.62 em (the rest).
      expect(line.x + line.text.length * line.size * (line.kind === 'title' ? 0.64 : 0.62)).toBeLessThanOrEqual(box.x + box.width - 8);
      expect(line.y).toBeLessThanOrEqual(box.y + box.height);
    }
    const boxes = [...layout.hosts, ...layout.nodes, ...layout.services];
    for (const [index, a] of boxes.entries()) for (const b of boxes.slice(index + 1)) expect(overlap(a, b)).toBe(false);
    for (const node of layout.nodes) for (const pod of node.pods) expect(inside(pod, node)).toBe(true);
  });

  it('wraps node columns to the pane, so a narrow pane scrolls down instead of shrinking the text', () => {
    const wide = layoutNetworkMap(sampleNetworkMap(), [], { showSystem: false, width: 1400 });
    const narrow = layoutNetworkMap(sampleNetworkMap(), [], { showSystem: false, width: 480 });
    expect(new Set(wide.nodes.map((node) => node.y)).size).toBe(1);
    expect(new Set(narrow.nodes.map((node) => node.x)).size).toBe(1);
    expect(narrow.width).toBeLessThanOrEqual(480);
    expect(wide.width).toBeLessThanOrEqual(1400);
    expect(columnsFor(480, 3)).toBe(1);
    expect(columnsFor(undefined, 3)).toBe(3);
  });

  it('draws one arrow per endpoint, ending at the pod it points to', () => {
    const layout = layoutNetworkMap(sampleNetworkMap(), [], { showSystem: false });
    expect(layout.arrows.map((arrow) => arrow.to)).toEqual(['pod:default/nginx-7c5ddbdf54-abcde', 'pod:default/nginx-7c5ddbdf54-fghij']);
    const pod = layout.nodes.flatMap((node) => node.pods).find((item) => item.key === 'pod:default/nginx-7c5ddbdf54-abcde')!;
    expect(layout.arrows[0]?.path.endsWith(`V ${pod.y + pod.height / 2} H ${pod.x - 2}`)).toBe(true);
  });

  it('shortens long names with an ellipsis rather than letting them overflow', () => {
    expect(fitText('a'.repeat(80), 200, 14, 'label')).toMatch(/…$/);
    expect(fitText('a'.repeat(80), 200, 14, 'label').length).toBeLessThanOrEqual(Math.floor(200 / (14 * 0.58)));
    expect(fitText('short', 200, 14, 'label')).toBe('short');
  });
});

describe('displayScale', () => {
  it('fits the pane at 1024x640 and never draws text under 12 px', () => {
    const layout = layoutNetworkMap(sampleNetworkMap(), [], { showSystem: false, width: 480 });
    const scale = displayScale(layout, 480, 1, 1);
    expect(layout.width * scale).toBeLessThanOrEqual(480);
    expect(layout.minFontSize * scale).toBeGreaterThanOrEqual(MIN_SCREEN_FONT_PX);
    // Zooming out stops at the readable minimum: the pane scrolls instead.
    expect(FONT.meta * displayScale(layout, 100, 1, 0.5)).toBeCloseTo(MIN_SCREEN_FONT_PX);
  });

  it('grows with presenter mode and zoom, up to what the pane allows at zoom 1', () => {
    const layout = layoutNetworkMap(sampleNetworkMap(), [], { showSystem: false, width: 2000 / 1.4 });
    expect(displayScale(layout, 2000, 1.4, 1)).toBeCloseTo(Math.min(1.4, 2000 / layout.width));
    expect(displayScale(layout, 2000, 1, 2)).toBeGreaterThan(displayScale(layout, 2000, 1, 1));
  });
});
