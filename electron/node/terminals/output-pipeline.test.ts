import { afterEach, describe, expect, it, vi } from 'vitest';
import { interruptEchoed } from './output-pipeline.ts';
import { emitFloodBlocks, floodLines as lines, openJumphost, setup, type TerminalFixture } from './terminal-fakes.test-support.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('OutputPipeline, Ctrl-C and latency (issue 21)', () => {
  let current: TerminalFixture | undefined;
  afterEach(async () => {
    await current?.service.dispose();
    vi.useRealTimers();
  });

  /** A jumphost terminal under fake timers. */
  async function jumphost() {
    vi.useFakeTimers();
    current = setup();
    return { ...(await openJumphost(current)), current };
  }

  /** A jumphost shell flooding its renderer, which has acknowledged nothing: it is behind. */
  async function flooding() {
    const opened = await jumphost();
    await emitFloodBlocks(opened.process, 0, 8, 10);
    return opened;
  }

  it('sends the screen as soon as the terminal echoes ^C, not after the shell went quiet, and the prompt live after it', async () => {
    const { session, process, current } = await flooding();
    const dataBefore = current.data().length;
    current.service.input(session.id, '\x03');
    // The rest of the program's last write, then the echo; the shell's prompt comes only later.
    process.emit(lines(9000, 50));
    process.emit('^C');
    await vi.advanceTimersByTimeAsync(2);
    const [screen] = current.screens();
    expect(screen?.screen).toContain('line 009049');
    expect(screen?.screen).toContain('^C');
    expect(current.data()).toHaveLength(dataBefore);

    process.emit('\r\nubuntu@jumphost:~$ ');
    await vi.advanceTimersByTimeAsync(1);
    const prompt = current.data().at(-1)!;
    expect(current.data()).toHaveLength(dataBefore + 1);
    expect(Buffer.from(prompt.data).toString()).toBe('\r\nubuntu@jumphost:~$ ');
    expect(prompt.seq).toBe(screen!.seq + '\r\nubuntu@jumphost:~$ '.length);
    expect(current.screens()).toHaveLength(1);
  });

  it('finds the echo split across two reads', async () => {
    const { session, process, current } = await flooding();
    current.service.input(session.id, '\x03');
    process.emit(`${lines(9000, 10)}^`);
    await vi.advanceTimersByTimeAsync(2);
    expect(current.screens()).toHaveLength(0);
    process.emit('C\r\n');
    await vi.advanceTimersByTimeAsync(2);
    expect(current.screens()).toHaveLength(1);
  });

  it('without an echo (a program in raw mode got the key) still waits for the shell to go quiet', async () => {
    const { session, process, current } = await flooding();
    current.service.input(session.id, '\x03');
    process.emit(lines(9000, 10));
    await vi.advanceTimersByTimeAsync(10);
    expect(current.screens()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(40);
    expect(current.screens()).toHaveLength(1);
  });

  it('drops a flood on Ctrl-C also while the page keeps up with it (right after a screen its window is empty)', async () => {
    const { session, process, current } = await jumphost();
    // 250 KB in 100 ms, each event acknowledged as it comes: nothing stays in flight, and by the key all
    // of it is in the mirror.
    for (let block = 0; block < 10; block++) {
      process.emit(lines(block * 340, 340));
      await vi.advanceTimersByTimeAsync(10);
      current.service.ack(session.id, current.data().at(-1)!.seq);
    }
    await vi.advanceTimersByTimeAsync(40);
    current.service.input(session.id, '\x03');
    // The rest of the program's last write, then the echo.
    process.emit(lines(9000, 50));
    process.emit('^C\r\n$ ');
    await vi.advanceTimersByTimeAsync(10);
    expect(current.screens()).toHaveLength(1);
    expect(Buffer.concat(current.data().map((event) => event.data)).toString()).not.toContain('line 009000');
  });

  it('passes a Ctrl-C through once a burst is over', async () => {
    const { session, process, current } = await jumphost();
    process.emit(lines(0, 1000));
    await vi.advanceTimersByTimeAsync(10);
    current.service.ack(session.id, current.data().at(-1)!.seq);
    await vi.advanceTimersByTimeAsync(150);
    current.service.input(session.id, '\x03');
    process.emit('^C\r\n$ ');
    await vi.advanceTimersByTimeAsync(10);
    expect(current.screens()).toHaveLength(0);
    expect(Buffer.from(current.data().at(-1)!.data).toString()).toBe('^C\r\n$ ');
  });

  it('sends the first output after a quiet spell on the next turn, and coalesces what follows it', async () => {
    const { process, current } = await jumphost();
    await vi.advanceTimersByTimeAsync(100);
    process.emit('k');
    process.emit('u');
    await vi.advanceTimersByTimeAsync(1);
    expect(current.data().map((event) => Buffer.from(event.data).toString())).toEqual(['ku']);
    process.emit('b');
    await vi.advanceTimersByTimeAsync(1);
    process.emit('e');
    await vi.advanceTimersByTimeAsync(1);
    expect(current.data()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5);
    expect(current.data().map((event) => Buffer.from(event.data).toString())).toEqual(['ku', 'be']);
  });

  it('recognises the ^C echo only as ^ followed by C, also across reads', () => {
    expect(interruptEchoed(bytes('yyy\r\n^C'), false)).toBe(true);
    expect(interruptEchoed(bytes('C\r\n$ '), true)).toBe(true);
    expect(interruptEchoed(bytes('C\r\n$ '), false)).toBe(false);
    expect(interruptEchoed(bytes('^c ^ C ^'), false)).toBe(false);
    expect(interruptEchoed(bytes(''), true)).toBe(false);
  });
});
