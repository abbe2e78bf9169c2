import { describe, expect, it } from 'vitest';
import { dnsFiles, podResolvConf } from './dns-zones.ts';
import { cloneWorld } from './world.ts';
import { workshopWorld } from './workshop-world.ts';

describe('cluster DNS zones of the workshop world', () => {
  const world = workshopWorld();
  const { files } = dnsFiles(world, 7);
  const cluster = files['cluster.local.zone'] ?? '';

  it('has an A record per Service ClusterIP and SRV records for named ports', () => {
    expect(cluster).toContain('nginx.default.svc.cluster.local. 5 A 10.104.51.113');
    expect(cluster).toContain('kube-dns.kube-system.svc.cluster.local. 5 A 10.96.0.10');
    expect(cluster).toContain('_http._tcp.nginx.default.svc.cluster.local. 5 SRV 0 100 80 nginx.default.svc.cluster.local.');
    expect(cluster).toMatch(/^@ 5 SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. 7 /m);
  });

  it('serves one pod zone per existing namespace, with IP-shaped names synthesized (pods insecure)', () => {
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['default.pod.cluster.local.zone', 'kube-system.pod.cluster.local.zone']));
    expect(files['knot.conf']).toContain('module: mod-synthrecord/pods-insecure');
    const disabled = cloneWorld(world);
    disabled.dns.podRecords = 'disabled';
    expect(dnsFiles(disabled, 7).files['knot.conf']).not.toContain('synthrecord');
  });

  it('applies wrong answers on purpose: another address, or none at all', () => {
    const wrong = cloneWorld(world);
    wrong.dns.overrides = { 'nginx.default.svc.cluster.local': '10.96.99.99', 'kube-dns.kube-system.svc.cluster.local': null };
    const zone = dnsFiles(wrong, 7).files['cluster.local.zone'] ?? '';
    expect(zone).toContain('nginx.default.svc.cluster.local. 5 A 10.96.99.99');
    expect(zone).not.toContain('10.104.51.113');
    expect(zone).not.toMatch(/^kube-dns\.kube-system\.svc\.cluster\.local\. 5 A /m);
  });

  it("writes the kubelet's resolv.conf: kube-dns, the namespace's search list, ndots:5", () => {
    expect(podResolvConf(world, 'default')).toBe('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });
});
