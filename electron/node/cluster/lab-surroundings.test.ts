import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NetworkMap } from '../../common/api/cluster.ts';
import type { ContainerTarget, LabContainers } from '../backend/ports.ts';
import { cniInterfaces, LabSurroundingsReader, networkOf } from './lab-surroundings.ts';

const fixture = (name: string) => readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'packet-path', 'fixtures', name), 'utf8');

// worker1's `ip -o -4 addr` as the node printed it beside its `ip -o -d link` (both captured on the real cluster).
const worker1Addr = fixture('master1.ip-addr.txt').replace('10.244.0.0/32', '10.244.1.0/32').replace('10.244.0.1/24', '10.244.1.1/24').replace('10.1.1.10/24', '10.1.1.7/24');
const worker1 = `${worker1Addr}@@links\n${fixture('worker1.ip-d-link.txt')}`;

describe('cniInterfaces', () => {
  it("finds the node's own address, the CNI bridge and the VXLAN device by kind", () => {
    expect(cniInterfaces(worker1, '10.1.1.7')).toEqual([
      { name: 'eth0', kind: 'ethernet', address: '10.1.1.7/24' },
      { name: 'flannel.1', kind: 'vxlan', address: '10.244.1.0/32' },
      { name: 'cni0', kind: 'bridge', address: '10.244.1.1/24' },
    ]);
  });
});

describe('networkOf', () => {
  it('gives the network of an interface address', () => {
    expect(networkOf('10.1.1.5/24')).toBe('10.1.1.0/24');
    expect(networkOf('10.244.1.1/16')).toBe('10.244.0.0/16');
    expect(networkOf('not an address')).toBe('not an address');
  });
});

describe('LabSurroundingsReader', () => {
  const map: NetworkMap = {
    available: true,
    updatedAt: '',
    nodes: [{ name: 'worker1', role: 'worker', ip: '10.1.1.7', ready: true }, { name: 'master1', role: 'control-plane', ip: '10.1.1.10', ready: true }],
    pods: [],
    services: [{ namespace: 'default', name: 'web', type: 'NodePort', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }], selector: {}, endpoints: [], dnsName: '' }],
  };

  function containers(execs: string[]): LabContainers {
    return {
      containerFor: async (target: ContainerTarget) => (target.kind === 'node' ? `id-${target.node}` : target.kind === 'jumphost' ? 'id-jumphost' : null),
      nodeNames: async () => ['master1', 'worker1'],
      exec: async (id: string) => {
        execs.push(id);
        if (id === 'id-jumphost') return { exitCode: 0, output: fixture('jumphost.ip-addr.txt') };
        if (id === 'id-worker1') return { exitCode: 0, output: worker1 };
        return { exitCode: 0, output: `${fixture('master1.ip-addr.txt')}@@links\n` };
      },
      execInteractive: async () => {
        throw new Error('not used');
      },
      publishedPort: async (nodePort: number) => (nodePort === 30080 ? 30080 : null),
    };
  }

  it('adds devices, the jumphost, the lab network and published ports after one read, and reads complete nodes only once', async () => {
    const execs: string[] = [];
    let now = 0;
    const reader = new LabSurroundingsReader(containers(execs), () => now);
    expect(reader.apply(map).lab).toEqual({ publishedPorts: [] });
    expect(await reader.refresh(map)).toBe(true);
    const shown = reader.apply(map);
    expect(shown.lab).toEqual({ network: '10.1.1.0/24', jumphost: { ip: '10.1.1.5' }, publishedPorts: [{ nodePort: 30080, hostPort: 30080, host: '127.0.0.1', node: 'master1' }] });
    expect(shown.nodes[0]?.interfaces?.map((item) => item.name)).toEqual(['eth0', 'flannel.1', 'cni0']);
    execs.length = 0;
    now += 60_000;
    expect(await reader.refresh(map)).toBe(false);
    // worker1 is complete; master1's links were not readable, so it is asked again (after the retry pause).
    expect(execs).toEqual(['id-master1']);
  });
});
