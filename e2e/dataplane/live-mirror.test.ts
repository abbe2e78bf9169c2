import type { V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { worldObjects } from './kube-objects.ts';
import { mirrorWorld, podImageKind, type LiveObjects } from './live-mirror.ts';
import { workshopWorld } from './workshop-world.ts';
import { serviceEndpoints, type World } from './world.ts';

/**
 * The API objects a cluster in this world holds, with EndpointSlices as the endpoint-slice controller writes
 * them (one per Service, ready endpoints, the resolved ports), built from kube-objects.ts's Endpoints.
 */
function liveObjects(world: World): LiveObjects {
  const objects = worldObjects(world);
  const of = <T>(kind: string) => objects.filter((object) => object.kind === kind) as unknown as T[];
  const endpointSlices = of<{ metadata: { name: string; namespace: string }; subsets?: Array<{ addresses: Array<{ ip: string }>; ports: Array<{ name?: string; port: number; protocol: string }> }> }>('Endpoints').map(
    (endpoints): V1EndpointSlice => ({
      addressType: 'IPv4',
      metadata: { name: `${endpoints.metadata.name}-abcde`, namespace: endpoints.metadata.namespace, labels: { 'kubernetes.io/service-name': endpoints.metadata.name } },
      endpoints: (endpoints.subsets ?? []).flatMap((subset) => subset.addresses.map((address) => ({ addresses: [address.ip], conditions: { ready: true } }))),
      ports: (endpoints.subsets ?? []).flatMap((subset) => subset.ports),
    }),
  );
  const nodes = of<V1Node>('Node');
  for (const node of nodes) node.metadata!.annotations = { ...node.metadata!.annotations, 'flannel.alpha.coreos.com/backend-type': 'host-gw' };
  return { nodes, pods: of<V1Pod>('Pod'), services: of<V1Service>('Service'), endpointSlices };
}

/** A world as the mirror states it: lists in name order, every Service's endpoints explicit. */
function normalized(world: World): World {
  const byKey = <T extends { namespace: string; name: string }>(items: T[]) => [...items].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return {
    ...world,
    nodes: [...world.nodes].sort((a, b) => a.name.localeCompare(b.name)),
    pods: byKey(world.pods).map((pod) => ({ ...pod, dnsPolicy: pod.dnsPolicy ?? 'ClusterFirst' })),
    services: byKey(world.services).map((service) => ({ ...service, endpoints: serviceEndpoints(world, service).sort() })),
  };
}

describe('mirrorWorld (live cluster objects → harness world)', () => {
  it('gives back the workshop world from the objects a cluster in it holds', () => {
    const world = workshopWorld();
    const { world: mirrored, skipped } = mirrorWorld(liveObjects(world));
    expect(skipped).toEqual([]);
    expect(mirrored).toEqual(normalized(world));
  });

  it('follows a wrong targetPort, a Service whose selector matches nothing, and endpoints that are not ready', () => {
    const world = workshopWorld();
    const objects = liveObjects(world);
    const nginx = objects.services.find((service) => service.metadata?.name === 'nginx')!;
    nginx.spec!.ports![0]!.targetPort = 8080;
    objects.endpointSlices.find((slice) => slice.metadata?.name === 'nginx-abcde')!.ports![0]!.port = 8080;
    // The endpoints controller found no pod for nginx-deployment's selector: an empty slice.
    objects.endpointSlices.find((slice) => slice.metadata?.name === 'nginx-deployment-abcde')!.endpoints = [];
    objects.endpointSlices.find((slice) => slice.metadata?.name === 'kube-dns-abcde')!.endpoints![0]!.conditions = { ready: false };

    const { world: mirrored } = mirrorWorld(objects);
    const service = (name: string) => mirrored.services.find((candidate) => candidate.name === name)!;
    expect(service('nginx').ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }]);
    expect(service('nginx').endpoints).toEqual(['10.244.1.5']);
    // Not computed from the selector, which still matches three running pods: kube-proxy follows the slices.
    expect(service('nginx-deployment').endpoints).toEqual([]);
    expect(service('kube-dns').endpoints).toEqual([]);
  });

  it('resolves a named targetPort through the slice, as the endpoints controller did', () => {
    const objects = liveObjects(workshopWorld());
    const nginx = objects.services.find((service) => service.metadata?.name === 'nginx')!;
    nginx.spec!.ports![0]!.targetPort = 'web';
    expect(mirrorWorld(objects).world.services.find((service) => service.name === 'nginx')?.ports[0]?.targetPort).toBe(80);
    objects.endpointSlices = objects.endpointSlices.filter((slice) => slice.metadata?.name !== 'nginx-abcde');
    const { world, skipped } = mirrorWorld(objects);
    expect(world.services.find((service) => service.name === 'nginx')?.ports).toEqual([]);
    expect(skipped).toContain('Service default/nginx port 80: named targetPort web that no endpoint resolves');
  });

  it('leaves out pods that are not running, terminating or have no stand-in image, and says why', () => {
    const objects = liveObjects(workshopWorld());
    const pod = (name: string) => objects.pods.find((candidate) => candidate.metadata?.name === name)!;
    pod('alpine').metadata!.deletionTimestamp = new Date();
    pod('nginx').status = { phase: 'Pending' };
    pod('nginx-deployment-66b6c48dd5-4jw2p').spec!.containers[0]!.image = 'rancher/local-path-provisioner:v0.0.31';
    const { world, skipped } = mirrorWorld(objects);
    expect(world.pods.map((candidate) => candidate.name)).toEqual(['nginx-deployment-66b6c48dd5-8xk9t', 'nginx-deployment-66b6c48dd5-tq7vz', 'coredns-7b98449c4-x2kq8']);
    expect(skipped).toEqual([
      'pod default/alpine: terminating',
      'pod default/nginx: not running with an address (Pending)',
      'pod default/nginx-deployment-66b6c48dd5-4jw2p: image rancher/local-path-provisioner:v0.0.31 has no data-plane stand-in (busybox, nginx, coredns)',
      // The slices still list them (the objects were changed behind the controller's back): said, not hidden.
      'Service default/nginx: endpoints 10.244.1.5 stand for nothing mirrored (traffic to them goes unanswered)',
      'Service default/nginx-deployment: endpoints 10.244.0.6 stand for nothing mirrored (traffic to them goes unanswered)',
    ]);
  });

  it('takes pod records and host-gw routes from the cluster (Corefile, flannel annotations)', () => {
    const objects = liveObjects(workshopWorld());
    expect(mirrorWorld({ ...objects, corefile: 'kubernetes cluster.local {\n  pods insecure\n}' }).world.dns.podRecords).toBe('insecure');
    expect(mirrorWorld({ ...objects, corefile: 'kubernetes cluster.local {\n  pods disabled\n}' }).world.dns.podRecords).toBe('disabled');
    objects.nodes[0]!.metadata!.annotations!['flannel.alpha.coreos.com/backend-type'] = 'vxlan';
    expect(mirrorWorld(objects).world.hostGwRoutes).toBe(false);
  });

  it('maps the images the labs use to the harness stand-ins', () => {
    expect(['nginx', 'nginx:1.14.2', 'docker.io/library/nginx:latest', 'busybox', 'busybox42/alpine-pod', 'rancher/mirrored-coredns-coredns:1.12.3', 'httpd'].map(podImageKind)).toEqual([
      'nginx',
      'nginx',
      'nginx',
      'busybox',
      'busybox',
      'dns',
      undefined,
    ]);
  });
});
