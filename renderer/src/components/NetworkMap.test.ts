import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { sampleNetworkMap } from '../test/network-map-fixture.ts';
import NetworkMap from './NetworkMap.svelte';

describe('NetworkMap', () => {
  it('draws each node with its IP and pod network, and its pods inside it', () => {
    render(NetworkMap, { map: sampleNetworkMap(), focus: [] });
    const worker1 = screen.getByRole('group', { name: 'Node worker1' });
    expect(within(worker1).getByText('IP 10.1.1.3')).toBeTruthy();
    expect(within(worker1).getByText('Pods 10.42.1.0/24')).toBeTruthy();
    const pod = within(worker1).getByRole('group', { name: 'Pod default/nginx-7c5ddbdf54-abcde' });
    expect(within(pod).getByText('10.42.1.5 · Running')).toBeTruthy();
    expect(pod.querySelector('title')?.textContent).toBe('DNS: 10-42-1-5.default.pod.cluster.local');
    expect(within(screen.getByRole('group', { name: 'Node worker2' })).getByText('IP 10.1.1.4 · not ready')).toBeTruthy();
    expect(within(screen.getByRole('group', { name: 'Node Not scheduled' })).getByRole('group', { name: 'Pod default/pending-pod' })).toBeTruthy();
  });

  it('draws services with ClusterIP, NodePort, DNS name and an arrow to each endpoint', () => {
    const { container } = render(NetworkMap, { map: sampleNetworkMap(), focus: [] });
    const service = screen.getByRole('group', { name: 'Service default/nginx' });
    expect(within(service).getByText('ClusterIP 10.43.12.34')).toBeTruthy();
    expect(within(service).getByText(/30080/)).toBeTruthy();
    expect(service.querySelector('title')?.textContent).toBe('DNS: nginx.default.svc.cluster.local');
    // One endpoint is matched by pod name, the other only by IP: both must get an arrow.
    expect(container.querySelectorAll('path.arrow')).toHaveLength(2);
  });

  it('hides system pods until asked', async () => {
    render(NetworkMap, { map: sampleNetworkMap(), focus: [] });
    expect(screen.queryByRole('group', { name: 'Pod kube-system/coredns-1' })).toBeNull();
    await fireEvent.click(screen.getByRole('checkbox', { name: /Show system pods \(1 hidden\)/ }));
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
    expect(highlighted).toEqual(
      expect.arrayContaining(['Pod default/nginx-7c5ddbdf54-abcde', 'Pod default/nginx-7c5ddbdf54-fghij', 'Service default/nginx']),
    );
    expect(highlighted).not.toContain('Pod default/pending-pod');
  });

  it('explains the empty state when the environment is not running', () => {
    render(NetworkMap, { map: { ...sampleNetworkMap(), available: false, message: 'The lab cluster is not running.' }, focus: [] });
    expect(screen.getByText('No cluster to draw yet')).toBeTruthy();
    expect(screen.getByText('The lab cluster is not running.')).toBeTruthy();
    expect(screen.queryByRole('img')).toBeNull();
  });

  it('fits the map to the panel, never beyond its actual size, until the attendee asks for actual size', async () => {
    const { container } = render(NetworkMap, { map: sampleNetworkMap(), focus: [], scale: 1.4 });
    const svg = () => container.querySelector('svg');
    expect(svg()?.getAttribute('width')).toBe('100%');
    const natural = Number(svg()?.getAttribute('viewBox')?.split(' ')[2]);
    expect(svg()?.style.maxWidth).toBe(`${natural * 1.4}px`);
    await fireEvent.click(screen.getByRole('button', { name: 'Actual size' }));
    expect(svg()?.getAttribute('width')).toBe(String(natural * 1.4));
    expect(screen.getByRole('button', { name: 'Fit to panel' }).getAttribute('aria-pressed')).toBe('false');
  });
});
