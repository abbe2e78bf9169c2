import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../checks/check-world.ts';
import { LabCommandLog } from './command-log.ts';

describe('kubectl lines and the API audit log', () => {
  const request = { auditID: 'a1', verb: 'list', resource: 'nodes', sourceIP: '10.1.1.5', userAgent: 'kubectl/v1.33.4', receivedAt: '2026-11-25T01:42:35.050Z' };
  const line: CommandRecord = { command: 'kubectl get nodes', exitCode: 0, startedAt: '2026-11-25T01:42:35.000Z', time: '2026-11-25T01:42:35.087Z', terminal: 'jumphost' };

  it('re-sends the record when the request arrives after its line, witnessed from the right machine only', async () => {
    let requests: Array<typeof request> = [];
    let notify = () => undefined as void;
    const source = { available: true, requests: () => requests, subscribe: (listener: () => void) => ((notify = listener), () => undefined) };
    const log = new LabCommandLog({ source, sentFrom: (terminal, ip) => terminal === 'jumphost' && ip === '10.1.1.5' });
    const seen: CommandRecord[][] = [];
    log.subscribe((records) => seen.push(records));
    log.record(line);
    expect(seen.at(-1)?.[0]?.apiRequests).toEqual([]);
    requests = [request];
    notify();
    expect(seen.at(-1)?.[0]?.apiRequests).toMatchObject([{ auditID: 'a1', command: 0 }]);
    requests = [{ ...request, sourceIP: '10.1.1.6' }];
    expect((await log.read())?.[0]?.apiRequests).toEqual([]);
  });

  it('leaves records alone where no audit log is kept', async () => {
    const source = { available: false, requests: () => [request], subscribe: () => () => undefined };
    const log = new LabCommandLog({ source, sentFrom: () => true });
    log.record(line);
    expect((await log.read())?.[0]?.apiRequests).toBeUndefined();
  });
});

describe("the editor's actions in the record", () => {
  it('are the kubectl line they stand for, with a file name that is one plain word', async () => {
    const log = new LabCommandLog();
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
  const at = (second: number) => `2026-11-25T01:00:${String(second).padStart(2, '0')}.000Z`;

  it('keeps every terminal’s commands in time order, each marked with its terminal', async () => {
    const log = new LabCommandLog();
    log.record({ command: 'kubectl get pods -A', exitCode: 0, time: at(5), terminal: 'jumphost' });
    log.record({ command: 'kubectl get nodes', exitCode: 0, time: at(1), terminal: 'jumphost' });
    log.record({ command: 'ip route', exitCode: 0, time: at(3), terminal: 'worker1', shellPid: 1 });
    expect((await log.read())?.map((record) => [record.command, record.terminal])).toEqual([
      ['kubectl get nodes', 'jumphost'],
      ['ip route', 'worker1'],
      ['kubectl get pods -A', 'jumphost'],
    ]);
  });

  it('has no record while nothing was recorded and there is no jumphost to type in', async () => {
    let running = false;
    const log = new LabCommandLog(undefined, async () => running);
    expect(await log.read()).toBeNull();
    running = true;
    expect(await log.read()).toEqual([]);
    running = false;
    log.record({ command: 'curl -s http://localhost:30080/', exitCode: 0, time: at(1), terminal: 'host' });
    expect(await log.read()).toHaveLength(1);
  });

  it('tells subscribers of each new record', () => {
    const log = new LabCommandLog();
    const seen: string[][] = [];
    const unsubscribe = log.subscribe((records) => seen.push(records.map((record) => record.command)));
    log.record({ command: 'kubectl get nodes', exitCode: 0, time: at(1), terminal: 'jumphost' });
    log.record({ command: 'cat /etc/kubernetes/manifests/kube-apiserver.yaml', exitCode: 0, time: at(2), terminal: 'master1' });
    expect(seen).toEqual([['kubectl get nodes'], ['kubectl get nodes', 'cat /etc/kubernetes/manifests/kube-apiserver.yaml']]);
    unsubscribe();
  });
});
