import { describe, expect, it } from 'vitest';
import { FrameReader, framedCommand, newMarker, type FrameResult } from './shell-framing.ts';

/** What a shell prints for one framed command: the output, then the end line after a newline of its own. */
const printed = (output: string, marker: string, seq: number, status = 0) => `${output}\n${marker} ${seq} ${status}\n`;

function feed(reader: FrameReader, text: string, chunkSize: number): FrameResult[] {
  const bytes = Buffer.from(text);
  const results: FrameResult[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) {
    const result = reader.push(bytes.subarray(at, at + chunkSize));
    if (result) results.push(result);
  }
  return results;
}

describe('the reader shell framing', () => {
  it('gives each command its exact output and exit status, however the stream is cut into chunks', () => {
    const marker = newMarker();
    const output = '*nat\n:KUBE-SERVICES - [0:0]\n[12:720] -A KUBE-SVC-X -j KUBE-SEP-Y\nCOMMIT\n';
    for (const size of [1, 2, 7, 64, 100_000]) {
      const reader = new FrameReader(marker, 1_000_000);
      const results = feed(reader, printed(output, marker, 3, 1), size);
      expect(results).toHaveLength(1);
      const [result] = results;
      expect(result?.kind).toBe('frame');
      if (result?.kind !== 'frame') return;
      expect(result.frame.seq).toBe(3);
      expect(result.frame.exitCode).toBe(1);
      expect(result.frame.output.toString()).toBe(output);
    }
  });

  it('keeps output without a final newline, and an empty output, exact', () => {
    const marker = newMarker();
    const reader = new FrameReader(marker, 1000);
    const [noNewline] = feed(reader, printed('10.244.2.3 via 10.244.2.0', marker, 1), 3);
    expect(noNewline?.kind === 'frame' && noNewline.frame.output.toString()).toBe('10.244.2.3 via 10.244.2.0');
    const [empty] = feed(reader, printed('', marker, 2), 5);
    expect(empty?.kind === 'frame' && empty.frame.output.toString()).toBe('');
  });

  it('is not fooled by the marker in the middle of a line, by another shell\'s marker, or by binary garbage', () => {
    const marker = newMarker();
    const other = newMarker();
    const garbage = Buffer.from(Array.from({ length: 3000 }, (_, index) => (index * 131) % 256)).toString('latin1');
    const output = `before ${marker} 1 0\n${other} 1 0\nlabdeck-end- 1 0\n${garbage}\n${marker.slice(0, 20)}\n`;
    const reader = new FrameReader(marker, 1_000_000);
    const results = feed(reader, printed(output, marker, 1), 11);
    expect(results.map((result) => result.kind)).toEqual(['frame']);
    const [result] = results;
    expect(result?.kind === 'frame' && result.frame.output.toString()).toBe(output);
  });

  it('reports a line that starts with its marker but is not an end line as broken', () => {
    const marker = newMarker();
    const reader = new FrameReader(marker, 1000);
    expect(feed(reader, `out\n${marker} not-a-status\n`, 4).map((result) => result.kind)).toEqual(['broken']);
    reader.reset();
    // An over-long end line is broken as soon as it is too long to be one (the shell stops being read then).
    expect(feed(reader, `out\n${marker} ${'9'.repeat(40)}`, 4)[0]?.kind).toBe('broken');
  });

  it('reports an overflow as soon as a command prints more than the bound, without waiting for its end', () => {
    const marker = newMarker();
    const reader = new FrameReader(marker, 1000);
    const results = feed(reader, 'y\n'.repeat(2000), 100);
    expect(results[0]).toMatchObject({ kind: 'overflow' });
    expect(results[0]?.kind === 'overflow' && results[0].bytes).toBeLessThanOrEqual(1100 + marker.length + 2);
    reader.reset();
    // Exactly at the bound is still a frame; one byte over is not.
    expect(feed(reader, printed('x'.repeat(1000), marker, 1), 64).map((result) => result.kind)).toEqual(['frame']);
    expect(feed(reader, printed('x'.repeat(1001), marker, 2), 64).map((result) => result.kind)).toEqual(['overflow']);
  });

  it('writes the script with stdin from /dev/null, stderr joined, and the marker in a printf the command cannot see', () => {
    const text = framedCommand('iptables-save -c -t nat', 'labdeck-end-abc', 7);
    expect(text).toBe(`{ iptables-save -c -t nat\n} </dev/null 2>&1; printf '\\n%s %s %s\\n' 'labdeck-end-abc' 7 "$?"\n`);
    expect(newMarker()).toMatch(/^labdeck-end-[0-9a-f]{32}$/);
    expect(newMarker()).not.toBe(newMarker());
  });
});
