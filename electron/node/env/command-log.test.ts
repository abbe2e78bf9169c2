import { describe, expect, it } from 'vitest';
import type { CommandLog } from '../backend/ports.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { LabCommandLog, parseCommandLog } from './command-log.ts';

describe('command record parsing', () => {
  it('keeps complete records in order and skips torn or foreign lines', () => {
    const text = [
      '{"seq":1,"command":"kubectl get pods","exitCode":0,"pipeStatus":[0],"startedAt":"2026-11-25T01:42:35.000Z","time":"2026-11-25T01:42:35.087Z","cwd":"/home/ubuntu","user":"ubuntu","shellPid":7}',
      'garbage',
      '{"seq":2,"command":"ls /nope","exitCode":2,"time":"2026-11-25T01:42:36.000Z"}',
      '{"seq":3,"command":"half',
      '',
    ].join('\n');
    const records = parseCommandLog(text);
    expect(records.map((record) => [record.command, record.exitCode])).toEqual([
      ['kubectl get pods', 0],
      ['ls /nope', 2],
    ]);
    expect(records[0]?.time).toBe('2026-11-25T01:42:35.087Z');
  });

  it("keeps the trace of what bash ran, and drops a malformed one rather than trusting it", () => {
    const text = [
      '{"command":"kubectl get nodes; echo hi","exitCode":0,"time":"2026-11-25T01:42:35.087Z","ran":[{"command":"kubectl get nodes","exitCode":1},{"command":"echo hi","exitCode":0}]}',
      '{"command":"kubectl get nodes","exitCode":0,"time":"2026-11-25T01:42:36.087Z","ran":[{"command":"kubectl get nodes","exitCode":"0"}]}',
    ].join('\n');
    const [traced, malformed] = parseCommandLog(text);
    expect(traced?.ran).toEqual([{ command: 'kubectl get nodes', exitCode: 1 }, { command: 'echo hi', exitCode: 0 }]);
    expect(malformed && 'ran' in malformed).toBe(false);
  });
});

describe("the editor's actions in the record", () => {
  it('are the kubectl line they stand for, with a file name that is one plain word', async () => {
    const log = new LabCommandLog({ read: async () => [], subscribe: () => () => undefined });
    const at = new Date('2026-11-25T01:00:00.000Z');
    log.recordEditorAction({ verb: 'apply', fileName: 'nginx-service.yaml', startedAt: at, finishedAt: at, ok: true });
    log.recordEditorAction({ verb: 'delete', fileName: '../x; rm -rf ~.yaml', startedAt: at, finishedAt: at, ok: false });
    expect((await log.read())?.map((record) => [record.terminal, record.command, record.exitCode])).toEqual([
      ['editor', 'kubectl apply -f nginx-service.yaml', 0],
      ['editor', 'kubectl delete -f manifest.yaml', 1],
    ]);
  });
});

describe('the lab command log', () => {
  class FakeJumphostLog implements CommandLog {
    records: CommandRecord[] | null = [];
    listener: ((records: CommandRecord[]) => void) | undefined;
    unsubscribed = false;
    async read() {
      return this.records;
    }
    subscribe(listener: (records: CommandRecord[]) => void) {
      this.listener = listener;
      return () => {
        this.unsubscribed = true;
      };
    }
  }
  const at = (second: number) => `2026-11-25T01:00:${String(second).padStart(2, '0')}.000Z`;

  it('merges jumphost and node terminal commands by time, each marked with its terminal', async () => {
    const jumphost = new FakeJumphostLog();
    jumphost.records = [{ command: 'kubectl get nodes', exitCode: 0, time: at(1) }, { command: 'kubectl get pods -A', exitCode: 0, time: at(5) }];
    const log = new LabCommandLog(jumphost);
    log.record({ command: 'ip route', exitCode: 0, time: at(3), terminal: 'worker1', shellPid: 1 });
    expect((await log.read())?.map((record) => [record.command, record.terminal])).toEqual([
      ['kubectl get nodes', 'jumphost'],
      ['ip route', 'worker1'],
      ['kubectl get pods -A', 'jumphost'],
    ]);
  });

  it('tells subscribers about both sources, and lets go of the jumphost when nobody listens', () => {
    const jumphost = new FakeJumphostLog();
    const log = new LabCommandLog(jumphost);
    const seen: string[][] = [];
    const unsubscribe = log.subscribe((records) => seen.push(records.map((record) => record.command)));
    jumphost.listener?.([{ command: 'kubectl get nodes', exitCode: 0, time: at(1) }]);
    log.record({ command: 'cat /etc/kubernetes/manifests/kube-apiserver.yaml', exitCode: 0, time: at(2), terminal: 'master1' });
    expect(seen).toEqual([['kubectl get nodes'], ['kubectl get nodes', 'cat /etc/kubernetes/manifests/kube-apiserver.yaml']]);
    unsubscribe();
    expect(jumphost.unsubscribed).toBe(true);
  });

  it('has no record while neither the jumphost nor a node terminal has one', async () => {
    const jumphost = new FakeJumphostLog();
    jumphost.records = null;
    const log = new LabCommandLog(jumphost);
    expect(await log.read()).toBeNull();
    log.record({ command: 'ip r', exitCode: 0, time: at(1), terminal: 'worker2' });
    expect(await log.read()).toHaveLength(1);
  });
});
