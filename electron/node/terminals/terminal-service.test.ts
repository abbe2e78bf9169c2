import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LabdeckError } from '../../common/errors.ts';
import { FlowControl } from './flow-control.ts';
import { emitFloodBlocks, floodLines as lines, openJumphost, setup, type TerminalFixture } from './terminal-fakes.test-support.ts';
import { JUMPHOST_SHELL, NODE_SHELL, mirrorTail } from './terminal-service.ts';

describe('TerminalService', () => {
  let current: TerminalFixture | undefined;
  afterEach(async () => {
    await current?.service.dispose();
    vi.useRealTimers();
  });

  it('opens a login shell on the jumphost and a shell on a node container', async () => {
    current = setup();
    const jump = await current.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    const node = await current.service.open({ target: { kind: 'node', node: 'worker1' }, cols: 80, rows: 24 }, 'client-a');
    expect(current.execCalls).toEqual([
      { containerId: 'c-jump', argv: JUMPHOST_SHELL },
      { containerId: 'c-worker1', argv: NODE_SHELL },
    ]);
    expect(jump).toMatchObject({ title: 'jumphost', alive: true });
    expect(node).toMatchObject({ title: 'worker1', alive: true });
    expect(current.service.list().map((session) => session.id)).toEqual([jump.id, node.id]);
  });

  it('refuses more than its limit of terminals per client and in all, opened at once or one by one (issue 21)', async () => {
    current = setup();
    const { MAX_TERMINALS, MAX_TERMINALS_PER_CLIENT } = await import('./terminal-service.ts');
    const open = (clientId: string) => current!.service.open({ target: { kind: 'host' }, cols: 80, rows: 24 }, clientId);
    // Concurrently: the ones still starting count too.
    const first = await Promise.allSettled(Array.from({ length: MAX_TERMINALS_PER_CLIENT + 4 }, () => open('greedy')));
    expect(first.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(MAX_TERMINALS_PER_CLIENT);
    const refused = first.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'conflict', action: expect.stringContaining('Close a terminal') });
    // Another client (a reconnect gets a new id) still meets the limit for all clients together.
    const second = await Promise.allSettled(Array.from({ length: MAX_TERMINALS }, () => open('reconnected')));
    expect(second.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(MAX_TERMINALS - MAX_TERMINALS_PER_CLIENT);
    expect(current.service.list()).toHaveLength(MAX_TERMINALS);
    // Closing one makes room again.
    current.service.close(current.service.list().at(-1)!.id);
    await expect(open('reconnected')).resolves.toMatchObject({ alive: true });
  });

  it('says what to do when the jumphost is not running', async () => {
    current = setup({ containers: { containerFor: async () => null } });
    const opening = current.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    await expect(opening).rejects.toBeInstanceOf(LabdeckError);
    await expect(opening).rejects.toMatchObject({ code: 'environment-not-ready', action: expect.stringContaining('Start the lab environment') });
  });

  it('points the host shell at the lab kubeconfig', async () => {
    current = setup({ kubeconfigPath: '/data/lab/kubeconfig.yaml' });
    const session = await current.service.open({ target: { kind: 'host' }, cols: 100, rows: 30 }, 'client-a');
    expect(current.hostCalls).toEqual([{ cols: 100, rows: 30, kubeconfigPath: '/data/lab/kubeconfig.yaml' }]);
    expect(session.title).toBe('host shell');
  });

  it('sends output only to the client that opened the shell, with growing byte sequence numbers', async () => {
    vi.useFakeTimers();
    current = setup();
    const session = await current.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    current.processes[0]!.emit('hello ');
    current.processes[0]!.emit('world\r\n');
    await vi.advanceTimersByTimeAsync(10);
    current.processes[0]!.emit('$ ');
    await vi.advanceTimersByTimeAsync(10);
    const events = current.emitted.filter((event) => event.name === 'terminal.data');
    expect(events.every((event) => event.clientId === 'client-a')).toBe(true);
    expect(current.data().map((event) => [Buffer.from(event.data).toString(), event.seq])).toEqual([
      ['hello world\r\n', 13],
      ['$ ', 15],
    ]);
    expect(current.data()[0]!.id).toBe(session.id);
  });

  it('keeps a UTF-8 character split across chunks intact', async () => {
    vi.useFakeTimers();
    current = setup();
    await current.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    const bytes = new TextEncoder().encode('€ ✓ 日本');
    const process = current.processes[0]!;
    // Split inside the 3-byte euro sign and inside the check mark, with pauses so each part is its own event.
    for (const part of [bytes.slice(0, 1), bytes.slice(1, 2), bytes.slice(2, 5), bytes.slice(5)]) {
      process.emit(part);
      await vi.advanceTimersByTimeAsync(10);
    }
    const events = current.data();
    expect(events).toHaveLength(4);
    const joined = Buffer.concat(events.map((event) => event.data));
    expect(new TextDecoder('utf-8', { fatal: true }).decode(joined)).toBe('€ ✓ 日本');
  });

  it('keeps reading while the renderer lags and, once it catches up, sends the screen instead of the backlog', async () => {
    vi.useFakeTimers();
    current = setup();
    const { session, process } = await openJumphost(current);
    // 2.5 MB in 25 KB chunks, with time for the mirror to parse: more than the high watermark ever in flight.
    await emitFloodBlocks(process, 0, 100, 10);
    process.emit('the end\r\n$ ');
    await vi.advanceTimersByTimeAsync(50);
    const sent = current.data().reduce((sum, event) => sum + event.data.byteLength, 0);
    expect(sent).toBeGreaterThan(FlowControl.LOW_WATERMARK_BYTES);
    expect(sent).toBeLessThan(FlowControl.HIGH_WATERMARK_BYTES + 300_000);
    expect(current.screens()).toEqual([]);

    current.service.ack(session.id, current.data().at(-1)!.seq);
    await vi.advanceTimersByTimeAsync(50);
    const [screen] = current.screens();
    expect(screen?.screen).toContain('the end');
    expect(screen?.screen).toContain('line 033999');
    // Everything the shell printed, including what the renderer never got as data.
    expect(screen?.seq).toBe(100 * 340 * 74 + 'the end\r\n$ '.length);

    process.emit('next\r\n');
    await vi.advanceTimersByTimeAsync(10);
    const last = current.data().at(-1)!;
    expect(Buffer.from(last.data).toString()).toBe('next\r\n');
    expect(last.seq).toBe(screen!.seq + 6);
  });

  it('after a screen, lags rather than send past the window what arrived while the screen was taken', async () => {
    vi.useFakeTimers();
    current = setup();
    const { session, process } = await openJumphost(current);
    // A flood (2 MB, more than the backlog keeps whole) the renderer lags behind on.
    await emitFloodBlocks(process, 0, 80, 10);
    expect(current.screens()).toEqual([]);
    const dataBefore = current.data().length;
    // The renderer catches up: a screen is taken, and a flood larger than the window arrives meanwhile.
    current.service.ack(session.id, current.data().at(-1)!.seq);
    const flood = lines(100_000, 10_000);
    for (let start = 0; start < flood.length; start += 64 * 1024) process.emit(flood.slice(start, start + 64 * 1024));
    expect(flood.length).toBeGreaterThan(FlowControl.HIGH_WATERMARK_BYTES);
    await vi.advanceTimersByTimeAsync(50);
    const [first] = current.screens();
    expect(first).toBeDefined();
    expect(current.data().length).toBe(dataBefore);
    // That screen's ack brings the next one, with the flood's end on it.
    current.service.ack(session.id, first!.seq);
    await vi.advanceTimersByTimeAsync(50);
    const second = current.screens()[1];
    expect(second?.screen).toContain('line 109999');
    expect(current.data().length).toBe(dataBefore);
    process.emit('next\r\n');
    await vi.advanceTimersByTimeAsync(10);
    expect(Buffer.from(current.data().at(-1)!.data).toString()).toBe('next\r\n');
  });

  it('drops the backlog on Ctrl-C while the renderer is behind and sends the screen once the shell is quiet', async () => {
    vi.useFakeTimers();
    current = setup();
    const { session, process } = await openJumphost(current);
    await emitFloodBlocks(process, 0, 8, 10);
    const before = current.data().length;
    expect(before).toBeGreaterThan(0);
    current.service.input(session.id, '\x03');
    expect(process.written).toEqual(['\x03']);
    // What was already out of the shell's pty when it got the signal: read, mirrored, never sent.
    await emitFloodBlocks(process, 8, 20, 5);
    process.emit('^C\r\nubuntu@jumphost:~$ ');
    await vi.advanceTimersByTimeAsync(100);
    expect(current.data()).toHaveLength(before);
    const all = current.screens();
    expect(all).toHaveLength(1);
    expect(all[0]!.screen).toContain('ubuntu@jumphost:~$');
    expect(all[0]!.screen.length).toBeLessThan(20_000);
  });

  it('leaves a Ctrl-C alone when the renderer keeps up, and resyncs whenever the renderer asks', async () => {
    vi.useFakeTimers();
    current = setup();
    const { session, process } = await openJumphost(current);
    process.emit('sleep 100\r\n');
    await vi.advanceTimersByTimeAsync(10);
    current.service.input(session.id, '\x03');
    process.emit('^C\r\n$ ');
    await vi.advanceTimersByTimeAsync(100);
    expect(current.screens()).toEqual([]);
    expect(Buffer.concat(current.data().map((event) => event.data)).toString()).toBe('sleep 100\r\n^C\r\n$ ');

    current.service.input(session.id, '\x03', undefined, true);
    await vi.advanceTimersByTimeAsync(100);
    expect(current.screens()).toHaveLength(1);
    expect(current.screens()[0]!.seq).toBe(current.data().at(-1)!.seq);
  });

  it('pauses the shell only while the mirror has a long parse backlog', async () => {
    vi.useFakeTimers();
    current = setup();
    const { process } = await openJumphost(current);
    // Coloured output must be parsed in full (a plain-text flood is mostly skipped: mirrorTail).
    // ~3 MB: more than the mirror backlog at which the source pauses (2 MB).
    for (let block = 0; block < 120; block++) process.emit(`\x1b[32m${lines(block * 340, 340)}\x1b[0m`);
    expect(process.paused).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(process.paused).toBe(false);
    expect(process.resumeCalls).toBe(process.pauseCalls);
  });

  it('replays the mirrored screen on attach and hands output to the attaching client', async () => {
    vi.useFakeTimers();
    current = setup();
    const { session, process } = await openJumphost(current);
    for (let line = 1; line <= 40; line++) process.emit(`line ${String(line).padStart(2, '0')}\r\n`);
    await vi.advanceTimersByTimeAsync(10);

    const attaching = current.service.attach(session.id, 'client-b');
    await vi.advanceTimersByTimeAsync(10);
    const { replay, seq } = await attaching;
    const text = Buffer.from(replay, 'base64').toString();
    // The scrollback above the screen is replayed too, not only the 24 visible rows.
    expect(text).toContain('line 01');
    expect(text).toContain('line 40');
    expect(seq).toBe(360);

    process.emit('after\r\n');
    await vi.advanceTimersByTimeAsync(10);
    const last = current.emitted.filter((event) => event.name === 'terminal.data').at(-1)!;
    expect(last.clientId).toBe('client-b');
    expect((last.payload as { seq: number }).seq).toBe(367);
  });

  it('sends megabytes read during a snapshot in events of at most 256 KB, every byte once, in order', async () => {
    vi.useFakeTimers();
    current = setup();
    const { session, process } = await openJumphost(current);
    process.emit('$ ');
    await vi.advanceTimersByTimeAsync(10);
    const attaching = current.service.attach(session.id, 'client-b');
    // A flood read on while the mirror serializes: held back, then sent after the snapshot.
    const flood = lines(0, 40_000);
    for (let start = 0; start < flood.length; start += 64 * 1024) process.emit(flood.slice(start, start + 64 * 1024));
    await vi.advanceTimersByTimeAsync(10);
    const { seq } = await attaching;
    await vi.advanceTimersByTimeAsync(10);
    const after = current.data('client-b').filter((event) => event.seq > seq);
    expect(flood.length).toBeGreaterThan(2_000_000);
    expect(after.length).toBeGreaterThan(1);
    expect(Math.max(...after.map((event) => event.data.byteLength))).toBeLessThanOrEqual(256 * 1024);
    expect(Buffer.concat(after.map((event) => event.data)).toString()).toBe(flood);
    expect(after.map((event) => event.seq)).toEqual(after.map((_, index) => seq + after.slice(0, index + 1).reduce((sum, event) => sum + event.data.byteLength, 0)));
  });

  it('sends output to a client that starts typing into the shell after a reconnect', async () => {
    vi.useFakeTimers();
    current = setup();
    const session = await current.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    current.service.input(session.id, 'ls\r', 'client-b');
    current.processes[0]!.emit('file\r\n');
    await vi.advanceTimersByTimeAsync(10);
    expect(current.emitted.filter((event) => event.name === 'terminal.data').map((event) => event.clientId)).toEqual(['client-b']);
  });

  it('forwards input and resizes, reports exit to the owner, and kills shells when closed', async () => {
    current = setup();
    const first = await current.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    const second = await current.service.open({ target: { kind: 'node', node: 'master1' }, cols: 80, rows: 24 }, 'client-a');
    current.service.input(first.id, 'echo hi\r');
    current.service.resize(first.id, 120, 40);
    expect(current.processes[0]!.written).toEqual(['echo hi\r']);
    expect(current.processes[0]!.size).toEqual([120, 40]);

    current.processes[1]!.exit(0);
    expect(current.emitted.find((event) => event.name === 'terminal.exit')).toMatchObject({ payload: { id: second.id, exitCode: 0 }, clientId: 'client-a' });
    expect(current.service.list().find((session) => session.id === second.id)?.alive).toBe(false);

    current.service.close(first.id);
    expect(current.processes[0]!.killed).toBe(true);
    expect(current.service.list().map((session) => session.id)).toEqual([second.id]);
    expect(() => current!.service.input(first.id, 'x')).toThrow(LabdeckError);
  });
});

describe('mirrorTail', () => {
  const encode = (text: string) => new TextEncoder().encode(text);
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it('skips a plain-text flood when enough whole lines follow it to repaint the screen', () => {
    const flood = 'y\r\n'.repeat(1000) + 'grüße\r\n'.repeat(10);
    const tail = text(mirrorTail(encode(flood), 8));
    expect(tail.split('\n').length - 1).toBe(8);
    expect(flood.endsWith(tail)).toBe(true);
  });

  it('parses everything when the skipped part has escape sequences or C1 controls, or too few lines follow', () => {
    const colored = `\x1b[31m${'y\r\n'.repeat(100)}`;
    expect(mirrorTail(encode(colored), 8).byteLength).toBe(encode(colored).byteLength);
    const c1 = `\u009b31m${'y\r\n'.repeat(100)}`;
    expect(mirrorTail(encode(c1), 8).byteLength).toBe(encode(c1).byteLength);
    const short = 'y\r\n'.repeat(8);
    expect(mirrorTail(encode(short), 8).byteLength).toBe(short.length);
  });
});

describe('TerminalService after a restart', () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('brings a terminal back with its last screen when the same machine is opened again, once', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-terminals-'));
    const stateFile = path.join(dir, 'terminals.json');
    const first = setup({ stateFile });
    await first.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    await first.service.open({ target: { kind: 'node', node: 'worker1' }, cols: 80, rows: 24 }, 'client-a');
    first.processes[0]!.emit('ubuntu@jumphost:~$ kubectl get pods\r\nmypod   1/1   Running\r\nubuntu@jumphost:~$ ');
    first.processes[1]!.emit('worker1:/# ');
    await first.service.dispose();

    const second = setup({ stateFile });
    const jump = await second.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-b');
    expect(jump.restored).toContain('mypod   1/1   Running');
    expect(jump.restored).toContain('This is a new shell');
    expect((await second.service.open({ target: { kind: 'host' }, cols: 80, rows: 24 }, 'client-b')).restored).toBeUndefined();
    expect((await second.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-b')).restored).toBeUndefined();
    // A reload replays the old screen too: the mirror starts from it.
    const { replay } = await second.service.attach(jump.id, 'client-b');
    expect(Buffer.from(replay, 'base64').toString()).toContain('mypod');
    await second.service.dispose();
  });

  it('does not bring back a terminal the attendee closed, and ignores a damaged file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-terminals-'));
    const stateFile = path.join(dir, 'terminals.json');
    const first = setup({ stateFile });
    const session = await first.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    first.processes[0]!.emit('old screen');
    first.service.close(session.id);
    await first.service.dispose();
    const second = setup({ stateFile });
    expect((await second.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-b')).restored).toBeUndefined();
    await second.service.dispose();

    await writeFile(stateFile, '{"version": 1, "terminals": [');
    const third = setup({ stateFile });
    expect((await third.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-c')).restored).toBeUndefined();
    await third.service.dispose();
  });

  it('brings terminals back after the backend was killed with SIGKILL', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-terminals-'));
    const stateFile = path.join(dir, 'terminals.json');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(path.dirname(fileURLToPath(import.meta.url)), 'terminal-service.kill-backend.test-support.ts'), stateFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => (code !== null ? reject(new Error(`the backend exited by itself (${code})`)) : undefined));
    });
    await new Promise((resolve) => child.on('close', resolve));
    const restarted = setup({ stateFile });
    const session = await restarted.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client');
    expect(session.restored).toContain('mypod   1/1     Running');
    await restarted.service.dispose();
  }, 30_000);
});
