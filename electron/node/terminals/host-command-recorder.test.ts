import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../checks/check-world.ts';
import { HostCommandRecorder } from './host-command-recorder.ts';
import { HOST_COMMAND_MARKER } from './host-shell-integration.ts';

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');
const marker = (seq: number, status: number, pipes: string, line: string, end = '\u0007'): string => `${HOST_COMMAND_MARKER}${seq};${status};${pipes};${hex(line)}${end}`;

function recorded(chunks: string[]): CommandRecord[] {
  const records: CommandRecord[] = [];
  const recorder = new HostCommandRecorder({ shellId: 2, onRecord: (record) => records.push(record), now: () => new Date('2026-11-29T10:00:00Z') });
  for (const chunk of chunks) recorder.output(chunk);
  return records;
}

describe('HostCommandRecorder', () => {
  it('records the line, status and pipeline statuses the shell reports', () => {
    expect(recorded([`nginx says hi\r\n${marker(4, 0, '1,0', 'curl -s http://localhost:30080/ | grep -q nginx')}$ `])).toEqual([
      { time: '2026-11-29T10:00:00.000Z', command: 'curl -s http://localhost:30080/ | grep -q nginx', exitCode: 0, pipeStatus: [1, 0], shellPid: 2, terminal: 'host' },
    ]);
  });

  it('finds a report split anywhere across chunks, and one ended by ESC \\', () => {
    const text = `out${marker(1, 7, '7', 'exit 7 €')}mid${marker(2, 0, '0', 'ls', '\u001b\\')}`;
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(recorded([text.slice(0, cut), text.slice(cut)]).map((record) => [record.command, record.exitCode]), `cut at ${cut}`).toEqual([
        ['exit 7 €', 7],
        ['ls', 0],
      ]);
    }
  });

  it('ignores reports that are not well formed', () => {
    expect(
      recorded([
        `${HOST_COMMAND_MARKER}1;x;0;${hex('ls')}\u0007`,
        `${HOST_COMMAND_MARKER}1;0;0;zz\u0007`,
        `${HOST_COMMAND_MARKER}1;0;0\u0007`,
        `${HOST_COMMAND_MARKER}1;0;0;${hex('   ')}\u0007`,
      ]),
    ).toEqual([]);
  });

  it('does not hold an unterminated report forever', () => {
    const records: CommandRecord[] = [];
    const recorder = new HostCommandRecorder({ shellId: 1, onRecord: (record) => records.push(record) });
    recorder.output(`${HOST_COMMAND_MARKER}1;0;0;`);
    recorder.output('61'.repeat(40_000));
    // The runaway report was dropped; the next one is read normally.
    recorder.output(`\u0007${marker(2, 0, '0', 'pwd')}`);
    expect(records.map((record) => record.command)).toEqual(['pwd']);
  });
});
