import http from 'node:http';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventName, EventPayload, EventSink } from '../../electron/common/api/contract.ts';
import type { NetworkMap, PacketPath } from '../../electron/common/api/cluster.ts';
import { ClusterService } from '../../electron/node/cluster/cluster-service.ts';
import { dockerShellChannel } from '../../electron/node/cluster/packet-path/docker-reader-shell.ts';
import { FileClusterAccess } from '../../electron/node/env/cluster-access.ts';
import { LabCommandLog } from '../../electron/node/env/command-log.ts';
import { TEST_KUBECONFIG, testContainers, waitFor } from './lab-cluster.ts';
import { run } from './test-cluster.ts';

/**
 * The network map and the packet tracer on the real cluster: the topology read from the API server and the
 * node containers, and requests sent from the jumphost and from this computer traced through the nodes'
 * real iptables counters and conntrack tables. Each request carries a unique URL path, so the nginx access
 * log tells which pod really got it, and from which source address.
 */
const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();
const jumphost = (command: string) => run(docker, 'jumphost', command, 180_000);
const NAMESPACE = 'map-test';
const NODE_PORT = 30080;

/** Records the command as a terminal does (LabCommandLog.record), so the tracer starts by itself. */
class Recorder {
  readonly log = new LabCommandLog();
  record(command: string, terminal: string): number {
    this.log.record({ command, terminal, exitCode: 0, time: new Date().toISOString() });
    return Date.now();
  }
}

describe.skipIf(unavailable)(`the network map and the packet's path on the real cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const maps: NetworkMap[] = [];
  const paths: Array<{ path: PacketPath; at: number }> = [];
  const events: EventSink = {
    emit<K extends EventName>(name: K, payload: EventPayload<K>) {
      if (name === 'cluster.map') maps.push(payload as NetworkMap);
      if (name === 'cluster.path') paths.push({ path: payload as PacketPath, at: Date.now() });
    },
  };
  const recorder = new Recorder();
  let service: ClusterService;
  let clusterIP = '';
  let webPods: Array<{ name: string; ip: string; node: string }> = [];

  const latestMap = () => maps.at(-1);
  async function nextPath(after: number): Promise<PacketPath> {
    expect(await waitFor(() => paths.some((item) => item.at >= after), 20_000)).toBe(true);
    const found = paths.find((item) => item.at >= after)!;
    console.log(`[map] traced in ${found.at - after} ms (nodes read in ${found.path.readMs} ms): ${found.path.summary}`);
    return found.path;
  }
  /** Which web pod's access log has a line for this path, and the client address it logged. */
  async function whoLogged(token: string): Promise<Array<{ pod: string; client: string }>> {
    const found: Array<{ pod: string; client: string }> = [];
    for (const pod of webPods) {
      const log = await jumphost(`kubectl -n ${NAMESPACE} logs ${pod.name}`);
      for (const line of log.output.split('\n')) if (line.includes(token)) found.push({ pod: pod.name, client: line.split(' ')[0] ?? '' });
    }
    return found;
  }

  beforeAll(async () => {
    await jumphost(`kubectl delete namespace ${NAMESPACE} --ignore-not-found --wait=true`);
    const taken = await jumphost(`kubectl get svc -A -o jsonpath='{range .items[*]}{.spec.ports[*].nodePort} {end}'`);
    expect(taken.output.split(/\s+/), `NodePort ${NODE_PORT} is used by another Service; delete it before this test`).not.toContain(String(NODE_PORT));
    const setup = await jumphost(
      [
        `kubectl create namespace ${NAMESPACE}`,
        `until kubectl -n ${NAMESPACE} get serviceaccount default >/dev/null 2>&1; do sleep 0.2; done`,
        `kubectl -n ${NAMESPACE} create deployment web --image=nginx --replicas=3`,
        `kubectl -n ${NAMESPACE} expose deployment web --port=80`,
        `kubectl -n ${NAMESPACE} create service nodeport web-np --tcp=80:80 --node-port=${NODE_PORT}`,
        `kubectl -n ${NAMESPACE} set selector service web-np app=web`,
        `kubectl -n ${NAMESPACE} rollout status deployment/web --timeout=180s`,
      ].join(' && '),
    );
    expect(setup.exitCode, setup.output).toBe(0);
    clusterIP = (await jumphost(`kubectl -n ${NAMESPACE} get svc web -o jsonpath='{.spec.clusterIP}'`)).output.trim();
    const listed = await jumphost(`kubectl -n ${NAMESPACE} get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.name} {.status.podIP} {.spec.nodeName}{"\\n"}{end}'`);
    webPods = listed.output.trim().split('\n').map((line) => {
      const [name = '', ip = '', node = ''] = line.trim().split(' ');
      return { name, ip, node };
    });
    expect(webPods).toHaveLength(3);
    // kube-proxy writes the Service's rules a moment after its endpoints exist: trace only once master1 has them.
    const rulesReady = await waitFor(async () => {
      const rules = await run(docker, 'master1', `iptables-save -t nat | grep -- '-j DNAT' | grep -c '"${NAMESPACE}/web"' || true`);
      return rules.output.trim() === '3';
    }, 60_000, 500);
    expect(rulesReady).toBe(true);

    // As the app wires it (create-backend.ts): the nodes are read through reader shells kept open while tracing.
    service = new ClusterService({ cluster: new FileClusterAccess(TEST_KUBECONFIG), events, containers: testContainers(docker), commandLog: recorder.log, readerShell: dockerShellChannel(docker) });
    // The tracer ignores the history it finds when it subscribes; the first record only marks that point.
    recorder.record('true', 'jumphost');
    const ready = await waitFor(() => {
      const map = latestMap();
      return !!map?.available && map.services.some((item) => item.namespace === NAMESPACE && item.name === 'web' && item.endpoints.length === 3) && !!map.lab?.jumphost && map.nodes.every((node) => (node.interfaces ?? []).length >= 3);
    }, 60_000);
    expect(ready, JSON.stringify(latestMap()?.lab)).toBe(true);
    await service.tracer?.prime();
  }, 400_000);

  // Waits until the namespace is gone: its Service holds NodePort 30080, which later test files need.
  afterAll(async () => {
    await service?.dispose();
    if (!unavailable) await jumphost(`kubectl delete namespace ${NAMESPACE} --ignore-not-found --wait=true --timeout=120s`);
  }, 150_000);

  it("draws the lab network, the jumphost, the published NodePort and each node's address, pod subnet and CNI devices", () => {
    const map = latestMap()!;
    expect(map.lab?.network).toBe('10.1.1.0/24');
    expect(map.lab?.jumphost?.ip).toBe('10.1.1.5');
    expect(map.lab?.publishedPorts.find((item) => item.nodePort === NODE_PORT)).toMatchObject({ host: '127.0.0.1', node: 'master1' });
    const master1 = map.nodes.find((node) => node.name === 'master1')!;
    expect(master1.interfaces).toEqual(expect.arrayContaining([{ name: 'eth0', kind: 'ethernet', address: '10.1.1.10/24' }]));
    for (const node of map.nodes) {
      const subnet = node.podCIDR!.split('/')[0]!.split('.').slice(0, 3).join('.');
      expect(node.interfaces?.find((item) => item.kind === 'bridge')?.address).toBe(`${subnet}.1/24`);
      expect(node.interfaces?.find((item) => item.kind === 'vxlan')?.address).toBe(`${subnet}.0/32`);
    }
    const pods = map.pods.filter((pod) => pod.namespace === NAMESPACE);
    expect(pods.map((pod) => [pod.ip, pod.node]).sort()).toEqual(webPods.map((pod) => [pod.ip, pod.node]).sort());
  });

  it('a curl to the ClusterIP from the jumphost draws the endpoint whose nginx log got the request', async () => {
    const token = `map-test-clusterip-${Date.now()}`;
    const sent = await jumphost(`curl -s -o /dev/null -w '%{http_code}' http://${clusterIP}/${token}`);
    expect(sent.output).toBe('404');
    const path = await nextPath(recorder.record(`curl -s http://${clusterIP}/${token}`, 'jumphost'));
    expect(path.status).toBe('traced');
    expect(path.entryNode).toBe('master1');
    expect(path.service).toEqual({ namespace: NAMESPACE, name: 'web' });
    const [logged] = await whoLogged(token);
    const pod = webPods.find((item) => item.name === logged?.pod)!;
    expect(path.endpoints).toEqual([expect.objectContaining({ ip: pod.ip, node: pod.node, pod: `${NAMESPACE}/${pod.name}`, packets: 1 })]);
    // What the pod logged as the client is what the path says the pod saw.
    expect(path.sourceSeen).toBe(logged?.client);
    expect(path.from).toBe('10.1.1.5');
    const chains = path.hops.filter((hop) => hop.kind === 'rule').map((hop) => hop.text.split(' ')[2] ?? '');
    expect(chains[0]).toBe('KUBE-SERVICES');
    expect(chains.some((chain) => chain.startsWith('KUBE-SVC-'))).toBe(true);
    expect(chains.some((chain) => chain.startsWith('KUBE-SEP-'))).toBe(true);
    const route = path.hops.find((hop) => hop.kind === 'route');
    expect(route?.command).toBe(`ip route get ${pod.ip}`);
    // The hop's command shows the same rule on the node.
    const rule = path.hops.find((hop) => hop.kind === 'rule' && hop.text.includes('DNAT'))!;
    const shown = await run(docker, 'master1', rule.command);
    expect(shown.output).toContain(`${pod.ip}:80`);
  });

  it('a NodePort request from this computer draws the entry node and the source address after NAT', async () => {
    const published = latestMap()!.lab!.publishedPorts.find((item) => item.nodePort === NODE_PORT)!;
    const token = `map-test-nodeport-${Date.now()}`;
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: published.host, port: published.hostPort, path: `/${token}`, agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(404);
    const path = await nextPath(recorder.record(`curl http://127.0.0.1:${published.hostPort}/${token}`, 'host'));
    expect(path.status).toBe('traced');
    expect(path.entryNode).toBe('master1');
    const [logged] = await whoLogged(token);
    expect(path.endpoints.map((endpoint) => endpoint.ip)).toEqual([webPods.find((pod) => pod.name === logged?.pod)?.ip]);
    expect(path.sourceSeen).toBe(logged?.client);
    expect(path.sourceSeen).not.toBe(path.from);
    const master1 = latestMap()!.nodes.find((node) => node.name === 'master1')!;
    expect((master1.interfaces ?? []).map((item) => item.address?.split('/')[0])).toContain(path.sourceSeen);
    expect(path.hops.find((hop) => hop.kind === 'snat')?.title).toMatch(/source NAT on master1/);
    expect(path.hops.some((hop) => hop.kind === 'rule' && hop.text.includes('-A KUBE-NODEPORTS'))).toBe(true);
  });

  it('twelve requests move the KUBE-SEP counters of the three endpoints by twelve in total', async () => {
    const sent = await jumphost(`for i in $(seq 12); do curl -s -o /dev/null http://${clusterIP}/; done`);
    expect(sent.exitCode, sent.output).toBe(0);
    const path = await nextPath(recorder.record(`for i in $(seq 12); do curl -s http://${clusterIP}/; done`, 'jumphost'));
    const dnat = path.hops.filter((hop) => hop.kind === 'rule' && hop.text.includes('-j DNAT'));
    expect(dnat.reduce((sum, hop) => sum + (hop.packets ?? 0), 0)).toBe(12);
    expect(path.endpoints.reduce((sum, endpoint) => sum + endpoint.packets, 0)).toBe(12);
    for (const endpoint of path.endpoints) expect(webPods.map((pod) => pod.ip)).toContain(endpoint.ip);
  });

  it('an nslookup from a pod names the CoreDNS pod that answered', async () => {
    const client = webPods[0]!;
    const ran = await jumphost(`kubectl -n ${NAMESPACE} run dns-client --image=busybox42/alpine-pod --restart=Never --overrides='{"spec":{"nodeName":"${client.node}"}}' -- sleep 600 && kubectl -n ${NAMESPACE} wait --for=condition=Ready pod/dns-client --timeout=120s`);
    expect(ran.exitCode, ran.output).toBe(0);
    await service.tracer?.trace({ command: 'true', terminal: 'jumphost' });
    const command = `kubectl -n ${NAMESPACE} exec dns-client -- nslookup web.${NAMESPACE}.svc.cluster.local`;
    const looked = await jumphost(command);
    expect(looked.output).toContain(clusterIP);
    const path = await nextPath(recorder.record(command, 'jumphost'));
    expect(path.entryNode).toBe(client.node);
    expect(path.service).toEqual({ namespace: 'kube-system', name: 'kube-dns' });
    const coredns = await jumphost(`kubectl -n kube-system get pods -l k8s-app=kube-dns -o jsonpath='{range .items[*]}{.status.podIP} {end}'`);
    const answered = path.hops.find((hop) => hop.kind === 'dns');
    expect(answered?.title).toMatch(/^CoreDNS answered from /);
    expect(coredns.output.trim().split(' ')).toContain(path.endpoints[0]?.ip);
  });
});
