import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NetworkMap } from '../../../common/api/cluster.ts';
import { buildPath, serviceOfRule, type NodeObservation } from './build-path.ts';
import { parseConntrack } from './conntrack.ts';
import { parseRouteGet } from './ip-text.ts';
import { counterChanges, parseIptablesSave } from './iptables-save.ts';
import { traceTarget } from './trace-target.ts';

const fixture = (name: string) => readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name), 'utf8');

// The cluster the fixtures were captured on, as `kubectl get pods,svc -o wide` listed it then.
const pod = (namespace: string, name: string, node: string, ip: string) => ({ namespace, name, node, ip, phase: 'Running', labels: {} });
const map: NetworkMap = {
  available: true,
  updatedAt: '2026-12-06T22:00:00Z',
  nodes: [
    { name: 'master1', role: 'control-plane', ip: '10.1.1.10', podCIDR: '10.244.0.0/24', ready: true, interfaces: [{ name: 'flannel.1', kind: 'vxlan', address: '10.244.0.0/32' }] },
    { name: 'worker1', role: 'worker', ip: '10.1.1.7', podCIDR: '10.244.1.0/24', ready: true },
    { name: 'worker2', role: 'worker', ip: '10.1.1.8', podCIDR: '10.244.2.0/24', ready: true },
  ],
  pods: [
    pod('map-capture', 'web-65d846d465-26t77', 'worker1', '10.244.1.3'),
    pod('map-capture', 'web-65d846d465-8s2cd', 'worker2', '10.244.2.2'),
    pod('map-capture', 'web-65d846d465-bfrn9', 'worker2', '10.244.2.3'),
    pod('map-capture', 'dns', 'worker2', '10.244.2.4'),
    pod('kube-system', 'coredns-a', 'master1', '10.244.0.2'),
    pod('kube-system', 'coredns-b', 'master1', '10.244.0.3'),
  ],
  services: [
    { namespace: 'map-capture', name: 'web', type: 'NodePort', clusterIP: '10.99.49.48', ports: [{ port: 80, nodePort: 31761, protocol: 'TCP' }], selector: {}, endpoints: [], dnsName: 'web.map-capture.svc.cluster.local' },
    { namespace: 'kube-system', name: 'kube-dns', type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }], selector: {}, endpoints: [], dnsName: 'kube-dns.kube-system.svc.cluster.local' },
    { namespace: 'default', name: 'kubernetes', type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ port: 443, protocol: 'TCP' }], selector: {}, endpoints: [], dnsName: 'kubernetes.default.svc.cluster.local' },
  ],
  lab: { network: '10.1.1.0/24', jumphost: { ip: '10.1.1.5' }, publishedPorts: [] },
};

const unchanged = { changes: [], conntrack: [] };

describe('buildPath on text read from the real nodes', () => {
  it("still shows the Service's KUBE-SERVICES rule when kube-proxy's resync zeroed that chain after the packet", () => {
    // kube-proxy rewrites KUBE-SERVICES whole at every resync; the Service's own chains keep their counters.
    const after = fixture('master1.iptables-after-12.txt').replace(/^\[\d+:\d+\] (-A KUBE-SERVICES )/gm, '[0:0] $1');
    const rules = parseIptablesSave(after);
    const observations = new Map<string, NodeObservation>([
      ['master1', { changes: counterChanges(parseIptablesSave(fixture('master1.iptables-before-12.txt')), rules), conntrack: parseConntrack(fixture('master1.conntrack-clusterip.txt')), rules }],
      ['worker1', unchanged],
      ['worker2', unchanged],
    ]);
    const command = 'curl -s http://10.99.49.48/';
    const traced = buildPath({ map, target: traceTarget(command, map), observations, route: null, command, terminal: 'jumphost' });
    const ruleHops = traced.hops.filter((hop) => hop.kind === 'rule');
    expect(ruleHops[0]?.text.split(' ')[2]).toBe('KUBE-SERVICES');
    expect(ruleHops[0]?.text).toContain('map-capture/web');
    expect(ruleHops[0]?.title).toContain("kube-proxy's resync");
    expect(ruleHops.some((hop) => hop.text.split(' ')[2]?.startsWith('KUBE-SVC-'))).toBe(true);
  });

  it('draws twelve curls to a ClusterIP from the jumphost: entry master1, three endpoints, source NAT', () => {
    const command = 'curl -s http://10.99.49.48/';
    const observations = new Map([
      ['master1', { changes: counterChanges(parseIptablesSave(fixture('master1.iptables-before-12.txt')), parseIptablesSave(fixture('master1.iptables-after-12.txt'))), conntrack: parseConntrack(fixture('master1.conntrack-clusterip.txt')) }],
      ['worker1', unchanged],
      ['worker2', unchanged],
    ]);
    const target = traceTarget(command, map);
    const route = parseRouteGet('10.244.2.3 via 10.244.2.0 dev flannel.1 src 10.244.0.0 uid 0\n    cache');
    const traced = buildPath({ map, target, observations, route, command, terminal: 'jumphost', now: new Date('2026-12-06T22:00:01Z') });
    expect(traced.status).toBe('traced');
    expect(traced.entryNode).toBe('master1');
    expect(traced.service).toEqual({ namespace: 'map-capture', name: 'web' });
    expect(traced.endpoints.map((endpoint) => [endpoint.ip, endpoint.node, endpoint.packets]).sort()).toEqual([
      ['10.244.1.3', 'worker1', 3],
      ['10.244.2.2', 'worker2', 2],
      ['10.244.2.3', 'worker2', 6],
    ]);
    expect(traced.sourceSeen).toBe('10.244.0.0');
    const kinds = traced.hops.map((hop) => hop.kind);
    expect(kinds[0]).toBe('source');
    expect(kinds).toContain('snat');
    const chains = traced.hops.filter((hop) => hop.kind === 'rule').map((hop) => hop.text.split(' ')[2]);
    expect(chains[0]).toBe('KUBE-SERVICES');
    expect(chains.indexOf('KUBE-SERVICES')).toBeLessThan(chains.findIndex((chain) => chain?.startsWith('KUBE-SVC-')));
    expect(chains.findIndex((chain) => chain?.startsWith('KUBE-SVC-'))).toBeLessThan(chains.findIndex((chain) => chain?.startsWith('KUBE-SEP-')));
    const rule = traced.hops.find((hop) => hop.kind === 'rule' && hop.text.includes('KUBE-SEP-FOZRSOF3XXNZOTMI') && hop.text.includes('DNAT'));
    expect(rule).toMatchObject({ packets: 6, command: 'iptables -t nat -L KUBE-SEP-FOZRSOF3XXNZOTMI -v -n -x', node: 'master1' });
    expect(traced.hops.find((hop) => hop.kind === 'route')?.title).toMatch(/^Crossed from master1 to worker2 through the VXLAN tunnel flannel\.1/);
    // The API server's own Service moved too (its clients never stop), and is not part of this path.
    expect(traced.hops.some((hop) => hop.text.includes('default/kubernetes'))).toBe(false);
  });

  it('names the CoreDNS pod that answered an nslookup from a pod, on the node where that pod runs', () => {
    const observations = new Map([
      ['master1', unchanged],
      ['worker1', unchanged],
      ['worker2', { changes: counterChanges(parseIptablesSave(fixture('worker2.iptables-before-dns.txt')), parseIptablesSave(fixture('worker2.iptables-after-dns.txt'))), conntrack: parseConntrack(fixture('worker2.conntrack-dns.txt')) }],
    ]);
    const command = 'kubectl -n map-capture exec dns -- nslookup web.map-capture.svc.cluster.local';
    const traced = buildPath({ map, target: traceTarget(command, map), observations, command });
    expect(traced.entryNode).toBe('worker2');
    const answer = traced.hops.find((hop) => hop.kind === 'dns');
    expect(answer?.title).toBe('CoreDNS answered from 10.244.0.2:53 (pod kube-system/coredns-a on master1)');
    expect(traced.sourceSeen).toBe('10.244.2.4');
  });

  it('says nothing was seen when no node moved for the request', () => {
    const observations = new Map([['master1', unchanged]]);
    const traced = buildPath({ map, target: traceTarget('curl 10.99.49.48', map), observations });
    expect(traced.status).toBe('not-seen');
    expect(traced.hops).toEqual([]);
  });
});

describe('traceTarget', () => {
  it('matches a ClusterIP, a Service name, a NodePort on a node and a pod IP', () => {
    expect(traceTarget('curl http://10.99.49.48:80/', map)).toMatchObject({ kind: 'service', port: 80, service: { name: 'web' } });
    expect(traceTarget('wget -qO- web.map-capture', map)).toMatchObject({ kind: 'service', address: '10.99.49.48' });
    expect(traceTarget('curl 10.1.1.7:31761', map)).toMatchObject({ kind: 'node-port', nodePort: 31761 });
    expect(traceTarget('curl 10.244.2.3', map)).toMatchObject({ kind: 'pod', address: '10.244.2.3' });
    expect(traceTarget('nslookup kubernetes', map)).toMatchObject({ kind: 'dns', service: { name: 'kube-dns' } });
    expect(traceTarget('ls -l', map)).toEqual({ kind: 'unknown' });
  });

  it('reads kube-proxy comments as the Service they serve', () => {
    expect(serviceOfRule('kube-system/kube-dns:dns cluster IP')).toEqual({ namespace: 'kube-system', name: 'kube-dns' });
    expect(serviceOfRule('map-capture/web -> 10.244.1.3:80')).toEqual({ namespace: 'map-capture', name: 'web' });
    expect(serviceOfRule('kubernetes service portals')).toBeNull();
  });
});
