import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../checks/check-world.ts';
import { NodeCommandRecorder, STATUS_MARKER_PREFIX } from './node-command-recorder.ts';

const prompt = (status: number | string) => `${STATUS_MARKER_PREFIX}${status}\u0007root@worker1:/# `;

function recorder() {
  const records: CommandRecord[] = [];
  const subject = new NodeCommandRecorder({ node: 'worker1', shellId: 3, onRecord: (record) => records.push(record), now: () => new Date('2026-01-01T00:00:00Z') });
  return { subject, records, commands: () => records.map((record) => [record.command, record.exitCode]) };
}

describe('node command recorder', () => {
  it('records a typed line with the status the next prompt reports, and where it was typed', () => {
    const { subject, records } = recorder();
    subject.output(prompt(0));
    subject.input('ip route\r');
    subject.output('default via 10.1.1.1 dev eth0\r\n');
    subject.output(prompt(0));
    subject.input('iptables -t nat -L NOPE\r');
    subject.output(`iptables: No chain/target/match by that name.\r\n${prompt(1)}`);
    expect(records).toEqual([
      { command: 'ip route', exitCode: 0, terminal: 'worker1', shellPid: 3, time: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:00.000Z' },
      expect.objectContaining({ command: 'iptables -t nat -L NOPE', exitCode: 1 }),
    ]);
  });

  it('applies the line editing keys readline understands', () => {
    const { subject, commands } = recorder();
    subject.output(prompt(0));
    subject.input('ip rout\u007fte\r'); // backspace
    subject.output(prompt(0));
    subject.input('cat /etc/kubernetes/admin.cnfx\u0008\u001b[D\u001bODo\r'); // Ctrl-H, left arrows in both encodings, insert
    subject.output(prompt(0));
    subject.input('garbage\u0015ip addr\r'); // Ctrl-U
    subject.output(prompt(0));
    subject.input('\u001b[A\u001b[A\r'); // history: two back
    subject.output(prompt(0));
    expect(commands()).toEqual([
      ['ip route', 0],
      ['cat /etc/kubernetes/admin.conf', 0],
      ['ip addr', 0],
      ['cat /etc/kubernetes/admin.conf', 0],
    ]);
  });

  it('handles markers and key sequences split across chunks', () => {
    const { subject, commands } = recorder();
    const marker = prompt(0);
    subject.output(marker.slice(0, 5));
    subject.output(marker.slice(5));
    subject.input('ip rx\u001b');
    subject.input('[D\u001b[C\u007f\r'); // left, right, backspace
    const next = prompt(2);
    subject.output(`x\r\n${next.slice(0, 9)}`);
    subject.output(next.slice(9));
    expect(commands()).toEqual([['ip r', 2]]);
  });

  it('does not take input for a running command, Ctrl-C or empty lines for command lines', () => {
    const { subject, commands } = recorder();
    subject.input('typed before any prompt\r');
    subject.output(prompt(0));
    subject.input('\r');
    subject.output(prompt(0));
    subject.input('half a line\u0003');
    subject.output(`^C\r\n${prompt(130)}`);
    subject.input('cat\r');
    subject.input('this goes to cat\r');
    subject.output(`this goes to cat\r\n${prompt(0)}`);
    expect(commands()).toEqual([['cat', 0]]);
  });

  it('takes a reprinted prompt (the line editor redrawing after a history key) for a redraw, not a new prompt', () => {
    const { subject, commands } = recorder();
    const numbered = (status: number, number: number) => `${STATUS_MARKER_PREFIX}${status};${number}\u0007# `;
    subject.output(numbered(0, 1));
    subject.input('cat /etc/nope\r');
    subject.output(`cat: can't open '/etc/nope'\r\n${numbered(1, 2)}`);
    subject.input('\u001b[A\r');
    subject.output(`\r${numbered(1, 2)}cat /etc/nope`); // the redraw for the up arrow, after Enter was typed
    subject.output(`\r\ncat: can't open '/etc/nope'\r\n${numbered(1, 3)}`);
    expect(commands()).toEqual([
      ['cat /etc/nope', 1],
      ['cat /etc/nope', 1],
    ]);
  });

  it('marks a status the prompt could not expand', () => {
    const { subject, commands } = recorder();
    subject.output(prompt('$?'));
    subject.input('ls\r');
    subject.output(prompt('$?'));
    expect(commands()).toEqual([['ls', -1]]);
  });
});
