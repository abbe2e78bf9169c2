import { describe, expect, it } from 'vitest';
import { endpointChain, kubeProxyTables, portProtoHash, probability, restoreInput, serviceChain } from './kube-proxy-rules.ts';
import { cloneWorld, findService } from './world.ts';
import { workshopWorld } from './workshop-world.ts';

describe('kube-proxy chain names', () => {
  it('hash like kube-proxy: the chain names every k3s and kubeadm cluster shows for its own Services', () => {
    // These names appear verbatim in `iptables-save` of any cluster (kube-proxy issues and docs quote them).
    expect(serviceChain('default/kubernetes:https', 'TCP')).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(serviceChain('kube-system/kube-dns:dns', 'UDP')).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(serviceChain('kube-system/kube-dns:dns-tcp', 'TCP')).toBe('KUBE-SVC-ERIFXISQEP7F7OF4');
    expect(serviceChain('kube-system/kube-dns:metrics', 'TCP')).toBe('KUBE-SVC-JD5MR3NA4I4DYORP');
  });

  it('gives every endpoint its own chain and keeps hashes 16 base32 characters', () => {
    const a = endpointChain('default/nginx:http', 'TCP', '10.244.1.5:80');
    const b = endpointChain('default/nginx:http', 'TCP', '10.244.1.6:80');
    expect(a).toMatch(/^KUBE-SEP-[A-Z2-7]{16}$/);
    expect(a).not.toBe(b);
    expect(portProtoHash('x')).toHaveLength(16);
  });

  it('writes probabilities with ten decimals, 1/(remaining endpoints)', () => {
    expect([3, 2].map(probability)).toEqual(['0.3333333333', '0.5000000000']);
  });
});

describe('kube-proxy tables of the workshop world', () => {
  const tables = kubeProxyTables(workshopWorld());

  it('sends each ClusterIP to its KUBE-SVC chain and ends KUBE-SERVICES with the NodePort jump', () => {
    const services = tables.nat.filter((rule) => rule.startsWith('-A KUBE-SERVICES'));
    expect(services).toContain(`-A KUBE-SERVICES -m comment --comment "default/nginx:http cluster IP" -m tcp -p tcp -d 10.104.51.113/32 --dport 80 -j ${serviceChain('default/nginx:http', 'TCP')}`);
    expect(services.at(-1)).toContain('-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  });

  it('picks among three endpoints with two random rules and a last unconditional one', () => {
    const svc = serviceChain('default/nginx-deployment', 'TCP');
    const jumps = tables.nat.filter((rule) => rule.startsWith(`-A ${svc} `) && rule.includes('-j KUBE-SEP-'));
    expect(jumps).toHaveLength(3);
    expect(jumps.map((rule) => /--probability (\S+)/.exec(rule)?.[1] ?? 'last')).toEqual(['0.3333333333', '0.5000000000', 'last']);
  });

  it('masquerades external NodePort traffic and off-cluster ClusterIP traffic', () => {
    const svc = serviceChain('default/nginx:http', 'TCP');
    const ext = svc.replace('KUBE-SVC-', 'KUBE-EXT-');
    expect(tables.nat).toContain(`-A KUBE-NODEPORTS -m comment --comment default/nginx:http -m tcp -p tcp --dport 30080 -j ${ext}`);
    expect(tables.nat).toContain(`-A ${ext} -m comment --comment "masquerade traffic for default/nginx:http external destinations" -j KUBE-MARK-MASQ`);
    expect(tables.nat.some((rule) => rule.startsWith(`-A ${svc} `) && rule.includes('! -s 10.244.0.0/16 -j KUBE-MARK-MASQ'))).toBe(true);
  });

  it('DNATs to the targetPort, not the Service port', () => {
    const world = cloneWorld(workshopWorld());
    findService(world, 'default', 'nginx').ports[0]!.targetPort = 8080;
    expect(kubeProxyTables(world).nat.some((rule) => rule.includes('DNAT --to-destination 10.244.1.5:8080'))).toBe(true);
  });

  it('rejects in the filter table, and writes no nat rules, for a Service without endpoints', () => {
    const world = cloneWorld(workshopWorld());
    findService(world, 'default', 'nginx').endpoints = [];
    const empty = kubeProxyTables(world);
    expect(empty.nat.some((rule) => rule.includes('default/nginx:http'))).toBe(false);
    expect(empty.filter).toContain('-A KUBE-SERVICES -m comment --comment "default/nginx:http has no endpoints" -m tcp -p tcp -d 10.104.51.113/32 --dport 80 -j REJECT');
    expect(empty.filter.some((rule) => rule.startsWith('-A KUBE-EXTERNAL-SERVICES') && rule.includes('--dport 30080 -j REJECT'))).toBe(true);
  });

  it('deletes stale KUBE-* chains and leaves chains it does not own alone', () => {
    const existing = '*nat\n:PREROUTING ACCEPT [0:0]\n:DOCKER_OUTPUT - [0:0]\n:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n';
    const input = restoreInput(tables, existing);
    expect(input).toContain('-X KUBE-SVC-AAAAAAAAAAAAAAAA');
    expect(input).not.toContain('DOCKER_OUTPUT');
    expect(input.match(/^COMMIT$/gm)).toHaveLength(2);
  });
});
