import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NetworkMap, PacketPath } from '../../../common/api/cluster.ts';
import type { ContainerTarget, LabContainers } from '../../backend/ports.ts';
import { LabCommandLog } from '../../env/command-log.ts';
import { PacketTracer } from './packet-tracer.ts';

const fixture = (name: string) => readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name), 'utf8');

const map: NetworkMap = {
  available: true,
  updatedAt: '',
  nodes: ['master1', 'worker1', 'worker2'].map((name) => ({ name, role: 'worker', ready: true })),
  pods: [{ namespace: 'map-capture', name: 'web-b', node: 'worker2', ip: '10.244.2.3', phase: 'Running', labels: {} }],
  services: [{ namespace: 'map-capture', name: 'web', type: 'NodePort', clusterIP: '10.99.49.48', ports: [{ port: 80, nodePort: 31761, protocol: 'TCP' }], selector: {}, endpoints: [], dnsName: '' }],
};

/** The nodes as the tracer reads them, replaying what master1 printed before and after twelve curls. */
function replayedNodes(reads: string[]): { containers: LabContainers; after: () => void } {
  let master1 = fixture('master1.iptables-before-12.txt');
  const quiet = fixture('worker2.iptables-before-dns.txt');
  return {
    after: () => {
      master1 = `${fixture('master1.iptables-after-12.txt')}@@conntrack\n${fixture('master1.conntrack-clusterip.txt')}`;
    },
    containers: {
      containerFor: async (target: ContainerTarget) => (target.kind === 'node' ? target.node : null),
      nodeNames: async () => ['master1', 'worker1', 'worker2'],
      exec: async (id: string, argv: string[]) => {
        const script = argv.at(-1) ?? '';
        reads.push(`${id}: ${script.split(';')[0]}`);
        if (script.startsWith('ip route get')) return { exitCode: 0, output: '10.244.2.3 via 10.244.2.0 dev flannel.1 src 10.244.0.0 uid 0\n    cache\n' };
        return { exitCode: 0, output: id === 'master1' ? master1 : quiet };
      },
      execInteractive: async () => {
        throw new Error('not used');
      },
      publishedPort: async () => null,
    },
  };
}

describe('PacketTracer', () => {
  it('reads nothing at rest, ignores old history and commands that send nothing, and traces a curl when it is recorded', async () => {
    const reads: string[] = [];
    const nodes = replayedNodes(reads);
    const paths: PacketPath[] = [];
    const log = new LabCommandLog({ read: async () => null, subscribe: () => () => undefined });
    log.record({ command: 'curl http://10.99.49.48/', exitCode: 0, time: new Date(Date.now() - 60_000).toISOString(), terminal: 'worker1' });
    const tracer = new PacketTracer({ containers: nodes.containers, map: () => map, emit: (item) => paths.push(item), commandLog: log });
    tracer.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads).toEqual([]);
    await tracer.prime();
    expect(reads.sort()).toEqual(['master1: iptables-save -c -t nat', 'worker1: iptables-save -c -t nat', 'worker2: iptables-save -c -t nat']);
    reads.length = 0;
    log.record({ command: 'kubectl get pods -o wide', exitCode: 0, time: new Date().toISOString(), terminal: 'jumphost' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads).toEqual([]);

    nodes.after();
    log.record({ command: 'curl -s http://10.99.49.48/', exitCode: 0, time: new Date().toISOString(), terminal: 'jumphost' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(paths).toHaveLength(1);
    const [traced] = paths;
    expect(traced).toMatchObject({ status: 'traced', entryNode: 'master1', command: 'curl -s http://10.99.49.48/', terminal: 'jumphost', from: '10.1.1.5', sourceSeen: '10.244.0.0' });
    expect(traced?.endpoints.reduce((sum, endpoint) => sum + endpoint.packets, 0)).toBe(11);
    expect(reads.filter((read) => read.startsWith('master1: ip route get'))).toHaveLength(1);
    tracer.dispose();
  });

  it("traces the very first command of an empty record (the tracer's first news is not history)", async () => {
    const reads: string[] = [];
    const nodes = replayedNodes(reads);
    const paths: PacketPath[] = [];
    const log = new LabCommandLog({ read: async () => null, subscribe: () => () => undefined });
    const tracer = new PacketTracer({ containers: nodes.containers, map: () => map, emit: (item) => paths.push(item), commandLog: log });
    tracer.start();
    await tracer.prime();
    nodes.after();
    log.record({ command: 'curl http://10.99.49.48/', exitCode: 0, time: new Date().toISOString(), terminal: 'jumphost' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(paths.map((item) => item.status)).toEqual(['traced']);
    tracer.dispose();
  });

  it('says the cluster is not there instead of reading when the map has no nodes', async () => {
    const reads: string[] = [];
    const paths: PacketPath[] = [];
    const tracer = new PacketTracer({ containers: replayedNodes(reads).containers, map: () => ({ ...map, available: false, nodes: [] }), emit: (item) => paths.push(item) });
    const traced = await tracer.trace({ command: 'curl 10.99.49.48', terminal: 'jumphost' });
    expect(traced?.status).toBe('unavailable');
    expect(traced?.summary).toMatch(/start the environment/);
    expect(reads).toEqual([]);
    expect(await tracer.traceLast()).toBeNull();
  });
});
