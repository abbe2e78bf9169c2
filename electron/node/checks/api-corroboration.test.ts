import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAuditLine } from '../env/api-audit-log.ts';
import { CheckSpecSchema, type CommandCheck } from '../course-format/check-spec.ts';
import { corroborateRecords } from './api-corroboration.ts';
import type { CheckWorld, CommandRecord } from './check-world.ts';
import { evaluateCommand } from './evaluate-command.ts';

/**
 * Requests the real API server of Labdeck's kubeadm cluster wrote to its audit log while these commands ran
 * on the jumphost (10.1.1.5), and one `kubectl get ns default` from the laptop (10.1.1.1, through the
 * published port, by a kubectl binary named kubectl-host).
 */
const REQUESTS = fs
  .readFileSync(path.join(import.meta.dirname, 'fixtures', 'audit-kubectl.jsonl'), 'utf8')
  .split('\n')
  .flatMap((line) => parseAuditLine(line) ?? []);

const sentFrom = (terminal: string, ip: string) => (terminal === 'jumphost' ? ip === '10.1.1.5' : terminal === 'host' ? ip === '10.1.1.1' : terminal === 'worker1' && ip === '10.1.1.7');
const line = (command: string, startedAt: string, time: string, extra: Partial<CommandRecord> = {}): CommandRecord => ({ command, exitCode: 0, startedAt: `2026-12-07T01:${startedAt}Z`, time: `2026-12-07T01:${time}Z`, ...extra });

const GENUINE = [
  line('kubectl get nodes -o wide', '11:48.900', '11:48.990'),
  line('kubectl run audit-probe --image=nginx', '11:49.000', '11:49.050'),
  line('kubectl get pod audit-probe', '11:49.100', '11:49.150'),
  line('kubectl -n kube-system get po', '11:49.180', '11:49.220'),
  line('k logs audit-probe', '11:49.250', '11:49.300', { exitCode: 1 }),
  line('kubectl expose pod audit-probe --port 80', '11:49.350', '11:49.400'),
  line('kubectl delete svc audit-probe', '11:49.590', '11:49.700'),
  line('kubectl config view', '11:49.710', '11:49.720'),
  line('kubectl exec audit-probe -- true', '11:57.900', '11:58.000'),
  line('kubectl delete pod audit-probe --wait=false', '11:58.050', '11:58.100'),
];

const requestOf = (records: CommandRecord[], command: string) => records.find((record) => record.command === command)?.apiRequests;

describe('kubectl lines corroborated by the real API server audit log', () => {
  it('reads the real log lines, skipping what is not an event', () => {
    expect(REQUESTS.length).toBeGreaterThan(15);
    expect(REQUESTS.find((request) => request.subresource === 'exec')).toMatchObject({ resource: 'pods', name: 'audit-probe', sourceIP: '10.1.1.5' });
    expect(parseAuditLine('{"auditID":"x"}')).toBeNull();
    expect(parseAuditLine('not json')).toBeNull();
  });

  it('gives each genuine command the request it made', () => {
    const records = corroborateRecords(GENUINE, REQUESTS, { sentFrom });
    expect(requestOf(records, 'kubectl get nodes -o wide')).toMatchObject([{ verb: 'list', resource: 'nodes', command: 0 }]);
    expect(requestOf(records, 'kubectl run audit-probe --image=nginx')).toMatchObject([{ verb: 'create', resource: 'pods', name: 'audit-probe' }]);
    expect(requestOf(records, 'kubectl -n kube-system get po')).toMatchObject([{ verb: 'list', namespace: 'kube-system' }]);
    expect(requestOf(records, 'k logs audit-probe')).toMatchObject([{ subresource: 'log' }]);
    expect(requestOf(records, 'kubectl expose pod audit-probe --port 80')).toMatchObject([{ verb: 'create', resource: 'services' }]);
    expect(requestOf(records, 'kubectl delete svc audit-probe')).toMatchObject([{ verb: 'delete', resource: 'services' }]);
    expect(requestOf(records, 'kubectl exec audit-probe -- true')).toMatchObject([{ subresource: 'exec', name: 'audit-probe' }]);
    // A command that needs no server has nothing to match, and needs nothing.
    expect(requestOf(records, 'kubectl config view')).toEqual([]);
    const ids = records.flatMap((record) => record.apiRequests ?? []).map((request) => request.auditID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('credits nothing to a line whose request never happened, came from elsewhere, or was already used', () => {
    const forged = [
      ...GENUINE,
      // Appended to the record later, claiming the time of a real request.
      line('kubectl get nodes -o wide', '11:48.900', '11:48.990'),
      line('kubectl get svc -A', '11:49.000', '11:49.990'),
      line('kubectl delete pod other', '11:58.050', '11:58.100'),
      line('kubectl get ns default', '11:00.000', '59:00.000', { terminal: 'worker1' }),
    ];
    const records = corroborateRecords(forged, REQUESTS, { sentFrom }).slice(GENUINE.length);
    for (const record of records) expect(record.apiRequests, record.command).toEqual([]);
  });

  it('matches the laptop terminal only to requests from the laptop', () => {
    const host = line('kubectl get ns default', '00:00.000', '59:59.000', { terminal: 'host' });
    expect(corroborateRecords([host], REQUESTS, { sentFrom })[0]?.apiRequests).toMatchObject([{ sourceIP: '10.1.1.1', name: 'default' }]);
    const asJumphost = { ...host, terminal: 'jumphost' };
    expect(corroborateRecords([asJumphost], REQUESTS, { sentFrom })[0]?.apiRequests).toEqual([]);
  });

  it('leaves the editor’s own applies alone: Labdeck made those requests itself', () => {
    const editor = line('kubectl apply -f nginx.yaml', '11:48.000', '11:49.000', { terminal: 'editor' });
    expect(corroborateRecords([editor], REQUESTS, { sentFrom })[0]?.apiRequests).toBeUndefined();
  });
});

describe('a command check on an audited cluster', () => {
  const check = (command: Record<string, unknown>): CommandCheck => CheckSpecSchema.parse({ id: 'c', title: 'List the nodes', kind: 'command', command }) as CommandCheck;
  const world = (records: CommandRecord[]): CheckWorld => ({ listObjects: async () => [], commandRecords: async () => records, runProbe: async () => null, httpGet: async () => null });
  const nodes = check({ program: 'kubectl', args: ['get', 'nodes'] });

  it('passes on a line the API server saw, and says so when it did not', async () => {
    const [seen] = corroborateRecords([GENUINE[0]!], REQUESTS, { sentFrom });
    expect((await evaluateCommand(nodes, world([seen!]))).status).toBe('passed');
    const unseen = await evaluateCommand(nodes, world([{ ...GENUINE[0]!, apiRequests: [] }]));
    expect(unseen.status).toBe('failed');
    expect(unseen.message).toContain('never reached the API server');
  });

  it('re-checks each witness against the command as the check reads it', async () => {
    const [seen] = corroborateRecords([GENUINE[2]!], REQUESTS, { sentFrom });
    // The witness of `get pod audit-probe` does not fit a line that claims another pod.
    const swapped = { ...seen!, command: 'kubectl get pod other' };
    expect((await evaluateCommand(check({ program: 'kubectl', args: ['get', 'pods', 'other'] }), world([swapped]))).status).toBe('failed');
  });

  it('needs no witness where the cluster keeps no audit log, or for a command that never asks the server', async () => {
    expect((await evaluateCommand(nodes, world([GENUINE[0]!]))).status).toBe('passed');
    const view = check({ program: 'kubectl', args: ['config', 'view'] });
    expect((await evaluateCommand(view, world([{ ...GENUINE[7]!, apiRequests: [] }]))).status).toBe('passed');
  });
});
