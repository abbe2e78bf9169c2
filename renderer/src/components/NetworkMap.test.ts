import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { PacketPath } from '../../../electron/common/api/cluster.ts';
import { sampleNetworkMap, samplePacketPath } from '../test/network-map-fixture.ts';
import NetworkMap from './NetworkMap.svelte';

// jsdom has no layout, so no ResizeObserver: the pane reports width 0 and the map keeps all nodes in one row.
globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
};

describe('NetworkMap', () => {
  it('draws each node with its address, pod network and CNI devices, and its pods inside it', () => {
    render(NetworkMap, { map: sampleNetworkMap(), focus: [] });
    const master = screen.getByRole('group', { name: 'Node master1' });
    expect(within(master).getByText('eth0 10.1.1.10/24')).toBeTruthy();
    expect(within(master).getByText('flannel.1 10.244.0.0/32 VXLAN')).toBeTruthy();
    expect(within(master).getByText('cni0 10.244.0.1/24 bridge')).toBeTruthy();
    const worker1 = screen.getByRole('group', { name: 'Node worker1' });
    expect(within(worker1).getByText('IP 10.1.1.7')).toBeTruthy();
    expect(within(worker1).getByText('Pods 10.244.1.0/24')).toBeTruthy();
    expect(within(worker1).getByText('NodePort 30080')).toBeTruthy();
    const pod = within(worker1).getByRole('group', { name: 'Pod default/nginx-7c5ddbdf54-abcde' });
    expect(within(pod).getByText('10.244.1.5 · Running')).toBeTruthy();
    expect(pod.querySelector('title')?.textContent).toBe('Running, IP 10.244.1.5, on worker1, DNS: 10-244-1-5.default.pod.cluster.local');
    expect(within(screen.getByRole('group', { name: 'Node worker2' })).getByText('IP 10.1.1.8 · not ready')).toBeTruthy();
    expect(within(screen.getByRole('group', { name: 'Node Not scheduled' })).getByRole('group', { name: 'Pod default/pending-pod' })).toBeTruthy();
  });

  it('draws the laptop with its published port, the jumphost and the lab network', () => {
    render(NetworkMap, { map: sampleNetworkMap(), focus: [] });
    const laptop = screen.getByRole('group', { name: 'This computer' });
    expect(within(laptop).getByText('127.0.0.1:30080 → master1:30080')).toBeTruthy();
    expect(within(screen.getByRole('group', { name: 'jumphost' })).getByText('eth0 10.1.1.5')).toBeTruthy();
    expect(screen.getByText('Lab network 10.1.1.0/24')).toBeTruthy();
  });

  it('draws services with ClusterIP, NodePort, DNS name and an arrow to each endpoint', () => {
    const { container } = render(NetworkMap, { map: sampleNetworkMap(), focus: [] });
    const service = screen.getByRole('group', { name: 'Service default/nginx' });
    expect(within(service).getByText('ClusterIP 10.96.12.34')).toBeTruthy();
    expect(within(service).getByText('80→80/TCP (node 30080)')).toBeTruthy();
    expect(service.querySelector('title')?.textContent).toMatch(/DNS: nginx\.default\.svc\.cluster\.local$/);
    // One endpoint is matched by pod name, the other only by IP: both must get an arrow.
    expect(container.querySelectorAll('path.arrow')).toHaveLength(2);
  });

  it('hides system pods until asked', async () => {
    render(NetworkMap, { map: sampleNetworkMap(), focus: [] });
    expect(screen.queryByRole('group', { name: 'Pod kube-system/coredns-1' })).toBeNull();
    await fireEvent.click(screen.getByRole('checkbox', { name: /System pods \(1 hidden\)/ }));
    expect(screen.getByRole('group', { name: 'Pod kube-system/coredns-1' })).toBeTruthy();
  });

  it("highlights the step's focus objects and the pods a focused deployment owns", () => {
    const { container } = render(NetworkMap, {
      map: sampleNetworkMap(),
      focus: [
        { kind: 'Deployment', namespace: 'default', name: 'nginx' },
        { kind: 'Service', name: 'nginx' },
      ],
    });
    const highlighted = [...container.querySelectorAll('g.highlighted')].map((g) => g.getAttribute('aria-label'));
    expect(highlighted).toEqual(expect.arrayContaining(['Pod default/nginx-7c5ddbdf54-abcde', 'Pod default/nginx-7c5ddbdf54-fghij', 'Service default/nginx']));
    expect(highlighted).not.toContain('Pod default/pending-pod');
  });

  it('explains the empty state when the environment is not running', () => {
    render(NetworkMap, { map: { ...sampleNetworkMap(), available: false, message: 'The lab cluster is not running.' }, focus: [] });
    expect(screen.getByText('No cluster to draw yet')).toBeTruthy();
    expect(screen.getByText('The lab cluster is not running.')).toBeTruthy();
    expect(screen.queryByRole('application')).toBeNull();
  });

  it('zooms in and out with the buttons and the keyboard, never under readable text', async () => {
    const { container } = render(NetworkMap, { map: sampleNetworkMap(), focus: [], scale: 1.4 });
    const svg = () => container.querySelector('svg')!;
    const natural = Number(svg().getAttribute('viewBox')?.split(' ')[2]);
    expect(Number(svg().getAttribute('width'))).toBeCloseTo(natural * 1.4);
    await fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
    expect(Number(svg().getAttribute('width'))).toBeCloseTo(natural * 1.4 * 1.25);
    await fireEvent.keyDown(svg(), { key: '0' });
    expect(Number(svg().getAttribute('width'))).toBeCloseTo(natural * 1.4);
    for (let index = 0; index < 10; index += 1) await fireEvent.keyDown(svg(), { key: '-' });
    expect(Number(svg().getAttribute('width')) / natural).toBeGreaterThanOrEqual(12 / 13 - 1e-9);
    expect((screen.getByRole('button', { name: 'Zoom out' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('gives one tab stop to the diagram and moves between its elements with the arrow keys', async () => {
    const { container } = render(NetworkMap, { map: sampleNetworkMap(), focus: [] });
    const stops = [...container.querySelectorAll('svg [tabindex="0"]')];
    expect(stops).toHaveLength(1);
    expect(stops[0]?.getAttribute('aria-label')).toBe('This computer');
    await fireEvent.keyDown(container.querySelector('svg')!, { key: 'ArrowDown' });
    expect(document.activeElement?.getAttribute('aria-label')).toBe('jumphost');
    await fireEvent.keyDown(container.querySelector('svg')!, { key: 'ArrowDown' });
    expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^Node master1: master1, control-plane, address 10\.1\.1\.10; pod network 10\.244\.0\.0\/24; devices eth0/);
    await fireEvent.keyDown(container.querySelector('svg')!, { key: 'End' });
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Service default/nginx');
  });

  it('draws the traced path from the jumphost through the entry node to the chosen pod, and shows each hop on click', async () => {
    const listeners: Array<(path: PacketPath) => void> = [];
    const api = {
      on: vi.fn((_name: string, listener: (path: PacketPath) => void) => {
        listeners.push(listener);
        return () => undefined;
      }),
      call: vi.fn(async () => samplePacketPath()),
    };
    const { container } = render(NetworkMap, { map: sampleNetworkMap(), focus: [], api: api as never });
    expect(container.querySelectorAll('path.path-line')).toHaveLength(0);
    for (const listener of listeners) listener(samplePacketPath());
    await Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const onPath = [...container.querySelectorAll('.on-path')].map((element) => element.getAttribute('aria-label'));
    expect(onPath).toEqual(expect.arrayContaining(['jumphost', 'Node master1', 'Pod default/nginx-7c5ddbdf54-fghij', 'Service default/nginx']));
    expect(onPath).not.toContain('Pod default/nginx-7c5ddbdf54-abcde');
    expect(container.querySelectorAll('path.path-line')).toHaveLength(2);
    expect(screen.getByRole('status').textContent).toMatch(/entered at master1/);
    await fireEvent.click(screen.getByRole('button', { name: /KUBE-SEP-FOZRSOF3XXNZOTMI/ }));
    expect(screen.getByText(/-j DNAT --to-destination 10\.244\.2\.7:80/)).toBeTruthy();
    expect(screen.getByText('iptables -t nat -L KUBE-SEP-FOZRSOF3XXNZOTMI -v -n -x')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Trace again' }));
    expect(api.call).toHaveBeenCalledWith('cluster.tracePath', {});
  });
});
