import { describe, expect, it } from 'vitest';
import { AckBatcher, base64ToBytes } from './terminal-bytes.ts';

describe('base64ToBytes', () => {
  it('returns the raw bytes, including half of a UTF-8 character', () => {
    const euro = new TextEncoder().encode('€');
    const first = base64ToBytes(btoa(String.fromCharCode(euro[0]!, euro[1]!)));
    const second = base64ToBytes(btoa(String.fromCharCode(euro[2]!)));
    expect([...first, ...second]).toEqual([...euro]);
    expect(new TextDecoder().decode(new Uint8Array([...first, ...second]))).toBe('€');
  });
});

describe('AckBatcher', () => {
  it('acknowledges processed bytes in batches of the ack size', () => {
    const sent: number[] = [];
    const batcher = new AckBatcher((bytes) => sent.push(bytes), 5_000);
    batcher.processed(3_000);
    expect(sent).toEqual([]);
    batcher.processed(2_500);
    expect(sent).toEqual([5_500]);
    batcher.processed(4_999);
    batcher.reset();
    batcher.processed(1);
    expect(sent).toEqual([5_500]);
  });
});
