import { describe, expect, it } from 'vitest';
import type { EventSink } from '../../common/api/contract.ts';
import type { ClusterAccess, InteractiveProcess, LabContainers } from '../backend/ports.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { JUMPHOST_RECORD_MARKER } from './jumphost-command-recorder.ts';
import { HOST_COMMAND_MARKER } from './host-shell-integration.ts';
import { STATUS_MARKER_PREFIX } from './node-command-recorder.ts';
import { TerminalService } from './terminal-service.ts';

/** A shell that prints whatever the test tells it to. */
class ScriptedShell implements InteractiveProcess {
  #data: Array<(chunk: Uint8Array) => void> = [];
  onData(listener: (chunk: Uint8Array) => void): void {
    this.#data.push(listener);
  }
  onExit(): void {}
  write(): void {}
  resize(): void {}
  pause(): void {}
  resume(): void {}
  kill(): void {}
  print(text: string): void {
    for (const listener of this.#data) listener(new TextEncoder().encode(text));
  }
}

function setup() {
  const shells: ScriptedShell[] = [];
  const records: CommandRecord[] = [];
  const containers: LabContainers = {
    containerFor: async (target) => (target.kind === 'node' ? `c-${target.node}` : 'c-jump'),
    nodeNames: async () => ['master1', 'worker1'],
    exec: async () => ({ exitCode: 0, output: '' }),
    execInteractive: async () => {
      const shell = new ScriptedShell();
      shells.push(shell);
      return shell;
    },
    publishedPort: async () => null,
  };
  const cluster: ClusterAccess = { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined };
  const events: EventSink = { emit: () => undefined };
  const spawnHostShell = async () => {
    const shell = new ScriptedShell();
    shells.push(shell);
    return shell;
  };
  const service = new TerminalService({ containers, cluster, events, spawnHostShell, recordCommand: (record) => records.push(record) });
  return { service, shells, records };
}

const prompt = (status: number) => `${STATUS_MARKER_PREFIX}${status}\u0007# `;

describe('terminal recording', () => {
  it('records what is typed in node terminals, with the node and a shell of its own', async () => {
    const { service, shells, records } = setup();
    const master = await service.open({ target: { kind: 'node', node: 'master1' }, cols: 80, rows: 24 }, 'c');
    const worker = await service.open({ target: { kind: 'node', node: 'worker1' }, cols: 80, rows: 24 }, 'c');
    shells[0]!.print(prompt(0));
    shells[1]!.print(prompt(0));
    service.input(master.id, 'cat /etc/kubernetes/manifests/kube-apiserver.yaml\r');
    service.input(worker.id, 'iptables -t nat -L KUBE-SERVICES -n\r');
    shells[1]!.print(`Chain KUBE-SERVICES (2 references)\r\n${prompt(0)}`);
    shells[0]!.print(`    - --service-cluster-ip-range=10.96.0.0/12\r\n${prompt(0)}`);
    expect(records.map((record) => [record.terminal, record.command, record.exitCode])).toEqual([
      ['worker1', 'iptables -t nat -L KUBE-SERVICES -n', 0],
      ['master1', 'cat /etc/kubernetes/manifests/kube-apiserver.yaml', 0],
    ]);
    expect(records[0]?.shellPid).not.toBe(records[1]?.shellPid);
    await service.dispose();
  });

  it("records the commands the Host terminal's shell reports for the line typed, split across chunks", async () => {
    const { service, shells, records } = setup();
    const host = await service.open({ target: { kind: 'host' }, cols: 80, rows: 24 }, 'c');
    const report = `nginx\r\n${HOST_COMMAND_MARKER}3;0;0;${Buffer.from('curl http://localhost:30080/').toString('hex')}\u0007$ `;
    // A report with nothing typed in this terminal is not believed.
    shells[0]!.print(report);
    expect(records).toEqual([]);
    service.input(host.id, 'curl http://localhost:30080/\r');
    shells[0]!.print(report.slice(0, 20));
    shells[0]!.print(report.slice(20));
    expect(records.map((record) => [record.terminal, record.command, record.exitCode])).toEqual([['host', 'curl http://localhost:30080/', 0]]);
    await service.dispose();
  });

  it('records the jumphost shell’s reports of the lines typed there', async () => {
    const { service, shells, records } = setup();
    const jump = await service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'c');
    const report = (command: string) => `${JUMPHOST_RECORD_MARKER}${JSON.stringify({ command, exitCode: 0 })}\u0007ubuntu@jumphost:~$ `;
    service.input(jump.id, 'kubectl get pods\r');
    shells[0]!.print(`No resources found\r\n${report('kubectl get pods')}`);
    // Printed by a command, not typed: refused.
    shells[0]!.print(report('kubectl get nodes'));
    expect(records.map((record) => [record.terminal, record.command])).toEqual([['jumphost', 'kubectl get pods']]);
    await service.dispose();
  });
});
