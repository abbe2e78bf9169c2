import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../checks/check-world.ts';
import { HOST_COMMAND_MARKER } from './host-shell-integration.ts';
import { JUMPHOST_RECORD_MARKER, parseJumphostRecord } from './jumphost-command-recorder.ts';
import { STATUS_MARKER_PREFIX } from './node-command-recorder.ts';
import { terminalRecorderFor } from './terminal-recorder.ts';

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');
const FAKE = 'kubectl get nodes -o wide';
const jumphostReport = (fields: Record<string, unknown>): string => `${JUMPHOST_RECORD_MARKER}${JSON.stringify(fields)}\u0007`;
/** A node prompt as bash expands it: status, prompt number, `history 1` in hex. */
const nodePrompt = (status: number, number: number, history: string): string => `${STATUS_MARKER_PREFIX}${status};${number};${hex(history)}\u0007root@worker1:~# `;
const hostReport = (seq: number, line: string): string => `${HOST_COMMAND_MARKER}${seq};0;0;${hex(line)}\u0007`;

function terminal(target: Parameters<typeof terminalRecorderFor>[0]) {
  const records: CommandRecord[] = [];
  const refused: CommandRecord[] = [];
  const recorder = terminalRecorderFor(target, 3, (record) => records.push(record), { onRefused: (record) => refused.push(record) });
  return { recorder, records, refused };
}

describe('the jumphost terminal’s records', () => {
  it('come from the shell’s report of the line typed, with Labdeck’s own terminal and time', () => {
    const { recorder, records } = terminal({ kind: 'jumphost' });
    recorder.input('kubectl get pods\r');
    const before = Date.now();
    recorder.output(`NAME READY\r\n${jumphostReport({ command: 'kubectl get pods', exitCode: 0, startedAt: 1577836800, time: '2099-01-01T00:00:00.000Z', terminal: 'worker1', ran: [{ command: 'kubectl get pods', exitCode: 0 }] })}`);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ command: 'kubectl get pods', exitCode: 0, terminal: 'jumphost', shellPid: 3, startedAt: '2020-01-01T00:00:00.000Z', ran: [{ command: 'kubectl get pods', exitCode: 0 }] });
    // The time is when Labdeck received the report, not the time the report names.
    expect(Date.parse(records[0]!.time)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(records[0]!.time)).toBeLessThan(Date.parse('2099-01-01'));
  });

  it('refuse a report printed by a command (and the forging line itself), then take the next line typed', () => {
    const { recorder, records, refused } = terminal({ kind: 'jumphost' });
    const printf = `printf '${JUMPHOST_RECORD_MARKER.replace('\u001b', '\\e')}...\\a'`;
    recorder.input(`${printf}\r`);
    recorder.output(jumphostReport({ command: FAKE, exitCode: 0 }));
    recorder.output(jumphostReport({ command: printf, exitCode: 0 }));
    expect(refused.map((record) => record.command)).toEqual([FAKE, printf]);
    recorder.input('kubectl get pods\r');
    recorder.output(jumphostReport({ command: 'kubectl get pods', exitCode: 0 }));
    expect(records.map((record) => record.command)).toEqual(['kubectl get pods']);
  });

  it('take nothing from a report without a typed line, nor a start time after the report', () => {
    const { recorder, records } = terminal({ kind: 'jumphost' });
    recorder.output(jumphostReport({ command: FAKE, exitCode: 0 }));
    expect(records).toEqual([]);
    expect(parseJumphostRecord(JSON.stringify({ command: 'ls', exitCode: 0, startedAt: 4070908800 }), new Date())).toEqual({ command: 'ls', exitCode: 0 });
    for (const garbage of ['zz', 'not json', '[1]', '{"command":"ls"}', '{"command":"  ","exitCode":0}']) expect(parseJumphostRecord(garbage, new Date())).toBeNull();
    const traced = parseJumphostRecord(JSON.stringify({ command: 'ls', exitCode: 0, ran: [{ command: 'ls', exitCode: '0' }] }), new Date());
    expect(traced && 'ran' in traced).toBe(false);
  });

  it('after a prompt with no line, a line typed before it can no longer be claimed', () => {
    const { recorder, records } = terminal({ kind: 'jumphost' });
    recorder.input(`${FAKE}\r`);
    recorder.output(`${JUMPHOST_RECORD_MARKER}\u0007`);
    recorder.output(jumphostReport({ command: FAKE, exitCode: 0 }));
    expect(records).toEqual([]);
  });
});

describe('node and host terminals refuse printed reports too', () => {
  it('a node prompt marker printed by a command', () => {
    const { recorder, records, refused } = terminal({ kind: 'node', node: 'worker1' });
    recorder.output(nodePrompt(0, 1, '    1  true\n'));
    recorder.input(`printf fake\r`);
    recorder.output(nodePrompt(0, 2, `    2  ${FAKE}\n`));
    recorder.output(nodePrompt(0, 3, '    3  printf fake\n'));
    expect(refused.map((record) => record.command)).toEqual([FAKE, 'printf fake']);
    expect(records).toEqual([]);
    recorder.input('ip route\r');
    recorder.output(nodePrompt(0, 4, '    4  ip route\n'));
    expect(records.map((record) => [record.command, record.terminal])).toEqual([['ip route', 'worker1']]);
  });

  it('a host report printed by a command', () => {
    const { recorder, records } = terminal({ kind: 'host' });
    recorder.input('cat fake-report\r');
    recorder.output(hostReport(7, 'curl -s http://localhost:30080/'));
    recorder.output(hostReport(8, 'cat fake-report'));
    expect(records).toEqual([]);
    recorder.input('curl -s http://localhost:30080/\r');
    recorder.output(hostReport(9, 'curl -s http://localhost:30080/'));
    expect(records.map((record) => [record.command, record.terminal])).toEqual([['curl -s http://localhost:30080/', 'host']]);
    // The Enter time stands for the start the host shell does not report.
    expect(records[0]?.startedAt).toBeDefined();
  });
});

describe('after a report that is not believed', () => {
  it('the next typed line is recorded (history -s reports another line than the one typed)', () => {
    const { recorder, records, refused } = terminal({ kind: 'jumphost' });
    recorder.input(`history -s '${FAKE}'\r`);
    recorder.output(jumphostReport({ command: FAKE, exitCode: 0 }));
    recorder.input('kubectl get pods\r');
    recorder.output(jumphostReport({ command: 'kubectl get pods', exitCode: 0 }));
    expect(refused.map((record) => record.command)).toEqual([FAKE]);
    expect(records.map((record) => record.command)).toEqual(['kubectl get pods']);
  });
});
