import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entriesTo, parseConntrack, sourceTranslated } from './conntrack.ts';
import { parseIpAddr, parseIpLinks, parseRouteGet, parseRouteTable } from './ip-text.ts';
import { counterChanges, parseIptablesSave, ruleLine } from './iptables-save.ts';

// Text captured from the real test cluster's nodes (see fixtures/README.md): 12 curls from the jumphost to
// the ClusterIP 10.99.49.48 of map-capture/web (three nginx pods), and one nslookup from a busybox pod.
const fixture = (name: string) => readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name), 'utf8');

describe('parseIptablesSave', () => {
  const rules = parseIptablesSave(fixture('master1.iptables-after-12.txt'));

  it("reads every rule of the nat table with its counters and kube-proxy's comment", () => {
    const dnat = rules.find((rule) => rule.chain === 'KUBE-SEP-NBHQSZUGXIOOGAAY' && rule.target === 'DNAT');
    expect(dnat).toMatchObject({ table: 'nat', packets: 3, bytes: 180, comment: 'map-capture/web', dnatTo: '10.244.1.3:80' });
    const portal = rules.find((rule) => rule.chain === 'KUBE-SERVICES' && rule.comment === 'map-capture/web cluster IP');
    expect(portal).toMatchObject({ destination: '10.99.49.48/32', destinationPort: 80, target: 'KUBE-SVC-DRL7GB43G3WGLIFA', packets: 11 });
    expect(ruleLine(portal!)).toMatch(/^\[11:660\] -A KUBE-SERVICES -d 10\.99\.49\.48\/32 /);
    expect(new Set(rules.map((rule) => rule.key)).size).toBe(rules.length);
  });

  it('gives the change of each counter between two readings, new rules counting from zero', () => {
    const before = parseIptablesSave(fixture('master1.iptables-before-12.txt'));
    const changes = counterChanges(before, rules);
    const endpoints = changes.filter((change) => change.rule.chain.startsWith('KUBE-SEP-') && change.rule.target === 'DNAT' && change.rule.comment === 'map-capture/web');
    expect(endpoints.map((change) => [change.rule.dnatTo, change.packets]).sort()).toEqual([
      ['10.244.1.3:80', 3],
      ['10.244.2.2:80', 2],
      ['10.244.2.3:80', 6],
    ]);
    expect(counterChanges(rules, rules)).toEqual([]);
  });

  it('sees the one DNS query in the kube-dns rules of the node where the pod runs', () => {
    const changes = counterChanges(parseIptablesSave(fixture('worker2.iptables-before-dns.txt')), parseIptablesSave(fixture('worker2.iptables-after-dns.txt')));
    const dns = changes.filter((change) => change.rule.comment?.startsWith('kube-system/kube-dns'));
    expect(dns.map((change) => [change.rule.chain, change.packets])).toEqual([
      ['KUBE-SEP-YIL6JZP7A3QYXJU2', 1],
      ['KUBE-SERVICES', 1],
      ['KUBE-SVC-TCOU7JCQXEZGVUNU', 1],
    ]);
  });
});

describe('parseConntrack', () => {
  it('reads the original and reply direction of conntrack -L entries, freshest first', () => {
    const entries = entriesTo(parseConntrack(fixture('master1.conntrack-clusterip.txt')), '10.99.49.48', 80);
    expect(entries).toHaveLength(12);
    const first = entries[0]!;
    expect(first).toMatchObject({ protocol: 'tcp', state: 'TIME_WAIT', original: { src: '10.1.1.5', dst: '10.99.49.48', dport: 80 } });
    expect(first.timeout).toBeGreaterThanOrEqual(entries.at(-1)!.timeout);
    expect(['10.244.1.3', '10.244.2.2', '10.244.2.3']).toContain(first.reply.src);
    // The pods saw master1's flannel.1 address, not the jumphost: kube-proxy masqueraded the request.
    expect(first.reply.dst).toBe('10.244.0.0');
    expect(sourceTranslated(first)).toBe(true);
  });

  it('reads /proc/net/nf_conntrack lines the same way', () => {
    const [entry] = parseConntrack(fixture('master1.nf_conntrack-clusterip.txt'));
    expect(entry).toMatchObject({ protocol: 'tcp', timeout: 119, original: { src: '10.1.1.5', dst: '10.99.49.48', sport: 36222 }, reply: { src: '10.244.2.3', dst: '10.244.0.0', dport: 1750 } });
    // The map shows the line as `conntrack -L` (the command it offers to type) begins it, without the file's
    // layer 3 columns.
    expect(entry?.line).toBe('tcp      6 119 TIME_WAIT src=10.1.1.5 dst=10.99.49.48 sport=36222 dport=80 src=10.244.2.3 dst=10.244.0.0 sport=80 dport=1750 [ASSURED] mark=0 zone=0 use=2');
  });

  it('tells which CoreDNS pod answered a query, without source NAT inside the pod network', () => {
    const [entry] = entriesTo(parseConntrack(fixture('worker2.conntrack-dns.txt')), '10.96.0.10', 53);
    expect(entry?.reply.src).toBe('10.244.0.2');
    expect(entry && sourceTranslated(entry)).toBe(false);
  });

  it('skips the summary line and anything else that is not an entry', () => {
    expect(parseConntrack('conntrack v1.4.7 (conntrack-tools): 415 flow entries have been shown.\n\ngarbage src=1')).toEqual([]);
  });
});

describe('ip output', () => {
  it("lists a node's addresses by interface", () => {
    expect(parseIpAddr(fixture('master1.ip-addr.txt'))).toEqual([
      { name: 'lo', address: '127.0.0.1/8' },
      { name: 'flannel.1', address: '10.244.0.0/32' },
      { name: 'cni0', address: '10.244.0.1/24' },
      { name: 'eth0', address: '10.1.1.10/24' },
    ]);
  });

  it('tells the CNI bridge and the VXLAN device by their kind, not their name', () => {
    const links = parseIpLinks(fixture('worker1.ip-d-link.txt'));
    expect(links.find((link) => link.kind === 'vxlan')).toEqual({ name: 'flannel.1', kind: 'vxlan', vxlan: { id: 1, local: '10.1.1.7', port: 8472 } });
    expect(links.find((link) => link.kind === 'bridge')?.name).toBe('cni0');
    expect(links.find((link) => link.name === 'eth0')?.kind).toBe('veth');
  });

  it('reads the route the kernel picks: across the VXLAN tunnel, or onto the local bridge', () => {
    expect(parseRouteGet(fixture('worker1.route-get-remote.txt'))).toMatchObject({ destination: '10.244.2.3', via: '10.244.2.0', device: 'flannel.1', source: '10.244.1.0' });
    expect(parseRouteGet(fixture('worker1.route-get-local.txt'))).toMatchObject({ destination: '10.244.1.3', device: 'cni0' });
    expect(parseRouteGet('')).toBeNull();
    const table = parseRouteTable(fixture('master1.ip-route.txt'));
    expect(table.find((route) => route.destination === '10.244.2.0/24')).toMatchObject({ via: '10.244.2.0', device: 'flannel.1' });
  });
});
