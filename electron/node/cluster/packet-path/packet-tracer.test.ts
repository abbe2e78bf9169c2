import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NetworkMap, PacketPath } from '../../../common/api/cluster.ts';
import type { ContainerTarget, LabContainers } from '../../backend/ports.ts';
import { LabCommandLog } from '../../env/command-log.ts';
import { PacketTracer } from './packet-tracer.ts';
import type { OpenShellChannel, ShellChannel } from './reader-shell.ts';

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

/**
 * Reader shells that answer like a node's shell: each framed command gets what the replayed node prints for
 * its script, then the end line, in two chunks.
 */
function replayedShells(containers: LabContainers): { open: OpenShellChannel; opened: string[]; closed: string[] } {
  const opened: string[] = [];
  const closed: string[] = [];
  const open: OpenShellChannel = async (containerId) => {
    opened.push(containerId);
    let listener: (chunk: Buffer) => void = () => undefined;
    const channel: ShellChannel = {
      onStdout: (added) => {
        listener = added;
      },
      onEnd: () => undefined,
      write: (text) => {
        const framed = /^\{ ([\s\S]*)\n\} <\/dev\/null 2>&1; printf '\\n%s %s %s\\n' '(labdeck-end-[0-9a-f]+)' (\d+) "\$\?"\n$/.exec(text);
        if (!framed) throw new Error(`not a framed command: ${text}`);
        const [, script = '', marker = '', seq = ''] = framed;
        void containers.exec(containerId, ['sh', '-c', script], { timeoutMs: 1000 }).then((outcome) => {
          const printed = Buffer.from(`${outcome.output}\n${marker} ${seq} ${outcome.exitCode}\n`);
          setTimeout(() => listener(printed.subarray(0, 10)), 1);
          setTimeout(() => listener(printed.subarray(10)), 2);
        });
      },
      close: () => closed.push(containerId),
    };
    return channel;
  };
  return { open, opened, closed };
}

describe('PacketTracer', () => {
  it('reads each node through one reader shell kept open while tracing, and closes them all when disposed', async () => {
    const reads: string[] = [];
    const nodes = replayedNodes(reads);
    const shells = replayedShells(nodes.containers);
    const paths: PacketPath[] = [];
    const tracer = new PacketTracer({ containers: nodes.containers, map: () => map, emit: (item) => paths.push(item), openShell: shells.open });
    expect(tracer.openShells).toBe(0);
    await tracer.prime();
    nodes.after();
    await tracer.trace({ command: 'curl -s http://10.99.49.48/', terminal: 'jumphost' });
    await tracer.trace({ command: 'curl -s http://10.99.49.48/', terminal: 'jumphost' });
    // Ten reads (the baseline, two traces of three nodes, the first trace's route; the second moved no
    // counter), three shells.
    expect(reads).toHaveLength(10);
    expect(shells.opened.sort()).toEqual(['master1', 'worker1', 'worker2']);
    expect(tracer.openShells).toBe(3);
    expect(paths[0]).toMatchObject({ status: 'traced', entryNode: 'master1', sourceSeen: '10.244.0.0' });
    expect(paths[0]?.endpoints.reduce((sum, endpoint) => sum + endpoint.packets, 0)).toBe(11);
    tracer.dispose();
    expect(tracer.openShells).toBe(0);
    expect(shells.closed.sort()).toEqual(['master1', 'worker1', 'worker2']);
  });

  it('closes the reader shells after the idle time, and when the cluster changes', async () => {
    const nodes = replayedNodes([]);
    const shells = replayedShells(nodes.containers);
    const tracer = new PacketTracer({ containers: nodes.containers, map: () => map, emit: () => undefined, openShell: shells.open, shellIdleMs: 30 });
    await tracer.prime();
    expect(tracer.openShells).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(tracer.openShells).toBe(0);
    expect(shells.closed).toHaveLength(3);
    await tracer.trace({ command: 'curl -s http://10.99.49.48/', terminal: 'jumphost' });
    expect(tracer.openShells).toBe(3);
    tracer.reset();
    expect(tracer.openShells).toBe(0);
    expect(shells.closed).toHaveLength(6);
    tracer.dispose();
  });

  it('reads nothing at rest, ignores old history and commands that send nothing, and traces a curl when it is recorded', async () => {
    const reads: string[] = [];
    const nodes = replayedNodes(reads);
    const paths: PacketPath[] = [];
    const log = new LabCommandLog();
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
    const log = new LabCommandLog();
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
