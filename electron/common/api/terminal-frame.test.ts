import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { events } from './contract.ts';
import { decodeTerminalFrame, encodeTerminalFrame, MAX_FRAME_DATA_BYTES, TERMINAL_OUTPUT_FRAME, TerminalFrameError } from './terminal-frame.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const header = (id: string) => 2 + id.length + 8;

describe('terminal output frames', () => {
  it('round-trip id, seq and the bytes as they are, split UTF-8 included', () => {
    // The first half of "€": a chunk boundary may fall inside a character; the frame must not care.
    const data = new Uint8Array([0x68, 0x69, 0xe2, 0x82]);
    const frame = encodeTerminalFrame({ id: 't1-00ff', seq: 123_456, data });
    expect(frame[0]).toBe(TERMINAL_OUTPUT_FRAME);
    expect(frame.byteLength).toBe(header('t1-00ff') + 4);
    const decoded = decodeTerminalFrame(frame);
    expect(decoded).toEqual({ id: 't1-00ff', seq: 123_456, data });
    // What the page hands to the API client must pass the event's own schema.
    expect(events['terminal.data'].payload.safeParse(decoded).success).toBe(true);
  });

  it('round-trip any id, seq up to 2^53 - 1 and any bytes', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^t[0-9a-z-]{1,63}$/),
        fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER)),
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        (id, seq, data) => {
          expect(decodeTerminalFrame(encodeTerminalFrame({ id, seq, data }))).toEqual({ id, seq, data });
        },
      ),
    );
  });

  it('decode a frame that sits inside a larger buffer (a view, as Node hands out)', () => {
    const frame = encodeTerminalFrame({ id: 't2', seq: 7, data: bytes('ok') });
    const padded = new Uint8Array(frame.byteLength + 10);
    padded.set(frame, 5);
    expect(decodeTerminalFrame(padded.subarray(5, 5 + frame.byteLength))).toEqual({ id: 't2', seq: 7, data: bytes('ok') });
  });

  const valid = encodeTerminalFrame({ id: 't1', seq: 5, data: bytes('x') });
  const malformed: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /shorter than the header/],
    ['one byte', new Uint8Array([TERMINAL_OUTPUT_FRAME]), /shorter than the header/],
    ['an unknown type', Uint8Array.from(valid, (byte, index) => (index === 0 ? 0x7b : byte)), /unknown frame type 0x7b/],
    ['an id of length 0', Uint8Array.from(valid, (byte, index) => (index === 1 ? 0 : byte)), /id length 0/],
    ['an id longer than 64', Uint8Array.from(valid, (byte, index) => (index === 1 ? 65 : byte)), /id length 65/],
    ['an id longer than the frame', Uint8Array.from(valid, (byte, index) => (index === 1 ? 40 : byte)), /no output after/],
    ['a header only', valid.subarray(0, header('t1')), /no output after/],
    ['a truncated seq', valid.subarray(0, 6), /no output after/],
    ['an id that is not a terminal id', Uint8Array.from(valid, (byte, index) => (index === 2 ? 0x2f : byte)), /is not a Labdeck terminal id/],
    ['a seq beyond 2^53 - 1', Uint8Array.from(valid, (byte, index) => (index === 4 ? 0xff : byte)), /beyond 2\^53/],
  ];
  it.each(malformed)('refuse %s with a clear error', (_what, frame, message) => {
    expect(() => decodeTerminalFrame(frame)).toThrow(TerminalFrameError);
    expect(() => decodeTerminalFrame(frame)).toThrow(message);
    expect(() => decodeTerminalFrame(frame)).toThrow(/^Malformed terminal frame: /);
  });

  it('refuse a frame with more output than one event may carry', () => {
    const big = new Uint8Array(header('t1') + MAX_FRAME_DATA_BYTES + 1);
    big.set(valid.subarray(0, header('t1')));
    expect(() => decodeTerminalFrame(big)).toThrow(/at most 2000000/);
  });

  it('never throw anything but a TerminalFrameError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (frame) => {
        try {
          decodeTerminalFrame(frame);
        } catch (error) {
          expect(error).toBeInstanceOf(TerminalFrameError);
        }
      }),
    );
  });

  it('refuse to encode what it could not decode', () => {
    expect(() => encodeTerminalFrame({ id: 'x1', seq: 1, data: bytes('a') })).toThrow(/terminal id/);
    expect(() => encodeTerminalFrame({ id: `t${'a'.repeat(64)}`, seq: 1, data: bytes('a') })).toThrow(/terminal id/);
    expect(() => encodeTerminalFrame({ id: 't1', seq: -1, data: bytes('a') })).toThrow(/seq -1/);
    expect(() => encodeTerminalFrame({ id: 't1', seq: 1.5, data: bytes('a') })).toThrow(/seq 1.5/);
    expect(() => encodeTerminalFrame({ id: 't1', seq: 1, data: new Uint8Array(0) })).toThrow(/0 output bytes/);
  });
});
