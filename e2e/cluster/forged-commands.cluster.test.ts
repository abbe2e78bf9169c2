import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CommandCheck } from '../../electron/node/course-format/check-spec.ts';
import { CheckSpecSchema } from '../../electron/node/course-format/check-spec.ts';
import type { CheckWorld, CommandRecord } from '../../electron/node/checks/check-world.ts';
import { evaluateCommand } from '../../electron/node/checks/evaluate-command.ts';
import { ApiAuditLog } from '../../electron/node/env/api-audit-log.ts';
import { LabCommandLog } from '../../electron/node/env/command-log.ts';
import { resolveEnvConfig } from '../../electron/node/env/config.ts';
import { terminalSourceMatcher } from '../../electron/node/env/terminal-sources.ts';
import { JUMPHOST_RECORD_MARKER } from '../../electron/node/terminals/jumphost-command-recorder.ts';
import { STATUS_MARKER_PREFIX } from '../../electron/node/terminals/node-command-recorder.ts';
import { JumphostTerminal } from '../scripted-attendee/jumphost-terminal.ts';
import { NodeTerminal } from '../scripted-attendee/node-terminal.ts';
import { testContainers, waitFor } from './lab-cluster.ts';
import { containerId, TEST_ENV_CONFIG } from './test-cluster.ts';

/**
 * Issue 20: what an attendee can type into the lab to claim a command they did not run, tried on the real
 * cluster with the product's recorders and master1's real API audit log. None of it credits the check; the
 * real command right after does.
 */
const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();

const check = (spec: Record<string, unknown>): CommandCheck => CheckSpecSchema.parse({ id: 'c', title: 'the step', kind: 'command', ...spec }) as CommandCheck;
const NODES_WIDE = check({ command: { program: 'kubectl', args: ['get', 'nodes'], flags: { output: 'wide' } } });
const ROUTES_ON_WORKER1 = check({ command: { program: 'ip', args: ['route'], on: 'worker1' } });
/** printf's own notation for the escape sequence, so the typed line holds no raw control character. */
const printed = (marker: string, body: string) => `printf '${marker.replace('\u001b', '\\033')}${body}\\007'`;
const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

describe.skipIf(unavailable)(`forged commands on the real cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let audit: ApiAuditLog;
  let log: LabCommandLog;
  let unsubscribe: () => void;
  let jumphost: JumphostTerminal;
  let worker1: NodeTerminal;
  const world = (): CheckWorld => ({ listObjects: async () => [], commandRecords: () => log.read(), runProbe: async () => null, httpGet: async () => null });
  const verdict = async (spec: CommandCheck) => evaluateCommand(spec, world());

  beforeAll(async () => {
    audit = new ApiAuditLog(docker, () => testContainers(docker).containerFor({ kind: 'node', node: 'master1' }));
    log = new LabCommandLog({ source: audit, sentFrom: terminalSourceMatcher(resolveEnvConfig(TEST_ENV_CONFIG)) });
    unsubscribe = log.subscribe(() => undefined);
    jumphost = await JumphostTerminal.open(docker, await containerId(docker, 'jumphost'), (record) => log.record(record));
    worker1 = await NodeTerminal.open(docker, await containerId(docker, 'worker1'), 'worker1', 2, (record) => log.record(record));
    expect(await waitFor(() => audit.available, 30_000)).toBe(true);
  }, 90_000);

  afterAll(() => {
    unsubscribe?.();
    jumphost?.dispose();
    worker1?.dispose();
    audit?.dispose();
  });

  it('history -s puts a line in history that never ran: not credited', async () => {
    const sent = await jumphost.send("history -s 'kubectl get nodes -o wide'");
    expect(sent.records).toEqual([]);
    expect(sent.refused.map((record) => record.command)).toEqual(['kubectl get nodes -o wide']);
    expect((await verdict(NODES_WIDE)).status).toBe('failed');
  });

  it('there is no record file to append to, and a printed report is not believed', async () => {
    const append = await jumphost.send(`echo '{"command":"kubectl get nodes -o wide","exitCode":0,"time":"2030-01-01T00:00:00Z"}' >> /var/lib/labdeck/commands.jsonl`);
    expect(append.records.at(-1)?.exitCode).not.toBe(0);
    await jumphost.send(`F='${JSON.stringify({ command: 'kubectl get nodes -o wide', exitCode: 0 })}'`);
    const fake = await jumphost.send(`printf '${JUMPHOST_RECORD_MARKER.replace('\u001b', '\\033')}%s\\007' "$F"`);
    expect(fake.refused.map((record) => record.command)).toContain('kubectl get nodes -o wide');
    expect(fake.records.map((record) => record.command)).not.toContain('kubectl get nodes -o wide');
    expect((await verdict(NODES_WIDE)).status).toBe('failed');
  });

  it('a report cannot name another terminal or a future time', async () => {
    // A printed report that names the very line typed (its body comes from a variable), so it is believed,
    // but claims to come from worker1 and from 2030.
    const line = `printf '${JUMPHOST_RECORD_MARKER.replace('\u001b', '\\033')}%s\\007' "$R"`;
    const claim = JSON.stringify({ command: line, exitCode: 0, terminal: 'worker1', time: '2030-01-01T00:00:00.000Z', startedAt: 1893456000 });
    await jumphost.send(`R=$(echo ${Buffer.from(claim).toString('base64')} | base64 -d)`);
    const sent = await jumphost.send(line);
    expect(sent.records.map((record) => record.command)).toEqual([line]);
    const [record] = sent.records;
    expect(record?.terminal).toBe('jumphost');
    expect(Date.parse(record!.time)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(record!.startedAt!)).toBeLessThanOrEqual(Date.parse(record!.time));
    expect((await verdict(ROUTES_ON_WORKER1)).status).toBe('failed');
  });

  it("a node prompt marker printed in a node's terminal is not believed", async () => {
    const sent = await worker1.send(printed(STATUS_MARKER_PREFIX, `0;9999;${hex('  9999  ip route\n')}`));
    expect(sent.records.map((record) => record.command)).not.toContain('ip route');
    expect((await verdict(ROUTES_ON_WORKER1)).status).toBe('failed');
    await worker1.type('ip route');
    expect((await verdict(ROUTES_ON_WORKER1)).status).toBe('passed');
  });

  it('a kubectl line that never reached the API server is not credited; the real command right after is', async () => {
    await jumphost.send('kubectl() { echo "NAME STATUS"; }');
    const shadowed = await jumphost.send('kubectl get nodes -o wide');
    // The shell ran the line and says so; only the API server can tell it never asked for the nodes.
    expect(shadowed.records.map((record) => [record.command, record.exitCode])).toEqual([['kubectl get nodes -o wide', 0]]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const unseen = await verdict(NODES_WIDE);
    expect(unseen.status).toBe('failed');
    expect(unseen.message).toContain('never reached the API server');

    await jumphost.send('unset -f kubectl');
    const started = Date.now();
    await jumphost.type('kubectl get nodes -o wide');
    expect(await waitFor(async () => (await verdict(NODES_WIDE)).status === 'passed', 10_000, 100)).toBe(true);
    const passed = await verdict(NODES_WIDE);
    const matched = (passed.evidence as { matched: CommandRecord }).matched;
    expect(matched.apiRequests).toEqual([expect.objectContaining({ verb: 'list', resource: 'nodes', sourceIP: resolveEnvConfig(TEST_ENV_CONFIG).jumphost.ip, command: 0 })]);
    expect(Date.parse(matched.apiRequests![0]!.receivedAt)).toBeGreaterThanOrEqual(started - 1000);
  }, 60_000);
});
