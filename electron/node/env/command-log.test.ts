import { describe, expect, it } from 'vitest';
import { parseCommandLog } from './command-log.ts';

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
});
