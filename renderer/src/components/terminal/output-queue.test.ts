import { describe, expect, it } from 'vitest';
import { OutputQueue } from './output-queue.ts';

/** A stand-in for xterm: writes complete only when the test says so, like a busy parser. */
function fakeTerminal() {
  const written: { data: string; done: () => void }[] = [];
  const acks: number[] = [];
  const queue = new OutputQueue({
    write: (bytes, done) => written.push({ data: typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes), done }),
    ack: (seq) => acks.push(seq),
    maxInTerminalBytes: 10,
    ackEveryBytes: 8,
  });
  const parseNext = () => written.find((entry) => entry.done !== noop && (entry.done(), (entry.done = noop), true));
  return { queue, written, acks, parseNext };
}
const noop = () => undefined;
const bytes = (text: string) => new TextEncoder().encode(text);

describe('OutputQueue', () => {
  it('hands xterm a bounded amount, keeps the rest queued and acknowledges by stream position', () => {
    const { queue, written, acks, parseNext } = fakeTerminal();
    queue.push(bytes('aaaaaa'), 6);
    queue.push(bytes('bbbbbb'), 12);
    queue.push(bytes('cccccc'), 18);
    // 6 bytes in xterm; the next 6 would pass the 10-byte bound, so they wait.
    expect(written.map((entry) => entry.data)).toEqual(['aaaaaa', 'bbbbbb']);
    expect(queue.backlogBytes).toBe(18);
    parseNext();
    expect(acks).toEqual([]);
    parseNext();
    expect(acks).toEqual([12]);
    parseNext();
    expect(acks).toEqual([12, 18]);
    expect(queue.backlogBytes).toBe(0);
  });

  it('drops queued output on clear and paints a screen in its place, acknowledging the screen', () => {
    const { queue, written, acks, parseNext } = fakeTerminal();
    for (let index = 1; index <= 5; index++) queue.push(bytes('xxxxx'), index * 5);
    expect(queue.backlogBytes).toBe(25);
    queue.clear();
    // Only what xterm already had is left.
    expect(queue.backlogBytes).toBe(10);
    queue.skip(40);
    queue.replace('SCREEN', 60);
    parseNext();
    parseNext();
    parseNext();
    expect(written.map((entry) => entry.data)).toEqual(['xxxxx', 'xxxxx', 'SCREEN']);
    expect(acks.at(-1)).toBe(60);
    expect(queue.backlogBytes).toBe(0);
  });

  it('hands a large event over in pieces, each acknowledged at the position of its last byte', () => {
    const { queue, written, acks, parseNext } = fakeTerminal();
    queue.push(bytes('0123456789abcdefghij12345'), 125);
    expect(written.map((entry) => entry.data)).toEqual(['0123456789']);
    parseNext();
    expect(acks).toEqual([110]);
    parseNext();
    parseNext();
    expect(written.map((entry) => entry.data)).toEqual(['0123456789', 'abcdefghij', '12345']);
    expect(acks).toEqual([110, 120, 125]);
  });

  it('on Ctrl-C with a megabyte queued, drops all of it but what xterm already has, and the screen replaces it', () => {
    const written: { data: Uint8Array | string; done: () => void }[] = [];
    const acks: number[] = [];
    const queue = new OutputQueue({ write: (data, done) => written.push({ data, done }), ack: (seq) => acks.push(seq) });
    const chunk = new Uint8Array(256 * 1024).fill(0x79);
    for (let index = 1; index <= 4; index++) queue.push(chunk, index * chunk.byteLength);
    expect(queue.backlogBytes).toBe(1024 * 1024);
    expect(queue.interrupt()).toBe(true);
    // Only the piece xterm is parsing is left: that is all a Ctrl-C still has to wait for.
    expect(queue.backlogBytes).toBe(32 * 1024);
    expect(written).toHaveLength(1);
    written[0]!.done();
    expect(written).toHaveLength(1);
    expect(queue.backlogBytes).toBe(0);
    queue.replace('PROMPT', 2 * 1024 * 1024);
    written[1]!.done();
    expect(written.map((entry) => (typeof entry.data === 'string' ? entry.data : entry.data.byteLength))).toEqual([32 * 1024, 'PROMPT']);
    expect(acks.at(-1)).toBe(2 * 1024 * 1024);
  });

  it('lets a small backlog play out on Ctrl-C: the shell prints its ^C and prompt after it', () => {
    const { queue, written } = fakeTerminal();
    queue.push(bytes('abc'), 3);
    expect(queue.interrupt()).toBe(false);
    expect(written.map((entry) => entry.data)).toEqual(['abc']);
    expect(queue.backlogBytes).toBe(3);
  });

  it('ignores callbacks of writes from before a reset', () => {
    const { queue, acks, parseNext } = fakeTerminal();
    queue.push(bytes('old'), 3);
    queue.reset(100);
    parseNext();
    expect(acks).toEqual([]);
    queue.push(bytes('new-output'), 110);
    parseNext();
    expect(acks).toEqual([110]);
  });
});
