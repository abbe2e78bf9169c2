import { describe, expect, it } from 'vitest';
import { base64ToBytes } from './terminal-bytes.ts';

describe('base64ToBytes', () => {
  it('returns the raw bytes, including half of a UTF-8 character', () => {
    const euro = new TextEncoder().encode('€');
    const first = base64ToBytes(btoa(String.fromCharCode(euro[0]!, euro[1]!)));
    const second = base64ToBytes(btoa(String.fromCharCode(euro[2]!)));
    expect([...first, ...second]).toEqual([...euro]);
    expect(new TextDecoder().decode(new Uint8Array([...first, ...second]))).toBe('€');
  });
});
