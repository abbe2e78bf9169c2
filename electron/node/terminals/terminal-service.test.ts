import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventName, EventPayload, EventSink } from '../../common/api/contract.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ClusterAccess, ContainerTarget, InteractiveProcess, LabContainers } from '../backend/ports.ts';
import { FlowControl } from './flow-control.ts';
import type { HostShellOptions } from './host-shell.ts';
import { JUMPHOST_SHELL, NODE_SHELL, TerminalService } from './terminal-service.ts';

class FakeProcess implements InteractiveProcess {
  readonly written: string[] = [];
  paused = false;
  pauseCalls = 0;
  resumeCalls = 0;
  killed = false;
  size: [number, number] | null = null;
  #data: ((chunk: Uint8Array) => void)[] = [];
  #exit: ((code: number | null, message?: string) => void)[] = [];

  onData(listener: (chunk: Uint8Array) => void): void {
    this.#data.push(listener);
  }
  onExit(listener: (exitCode: number | null, message?: string) => void): void {
    this.#exit.push(listener);
  }
  write(data: string): void {
    this.written.push(data);
  }
  resize(cols: number, rows: number): void {
    this.size = [cols, rows];
  }
  pause(): void {
    this.paused = true;
    this.pauseCalls++;
  }
  resume(): void {
    this.paused = false;
    this.resumeCalls++;
  }
  kill(): void {
    this.killed = true;
  }
  emit(bytes: Uint8Array | string): void {
    const chunk = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    for (const listener of this.#data) listener(chunk);
  }
  exit(code: number | null): void {
    for (const listener of this.#exit) listener(code);
  }
}

interface Emitted {
  name: EventName;
  payload: unknown;
  clientId: string | undefined;
}

function setup(options: { containers?: Partial<LabContainers>; kubeconfigPath?: string | null } = {}) {
  const processes: FakeProcess[] = [];
  const execCalls: { containerId: string; argv: string[] }[] = [];
  const hostCalls: HostShellOptions[] = [];
  const emitted: Emitted[] = [];
  const events: EventSink = {
    emit<K extends EventName>(name: K, payload: EventPayload<K>, clientId?: string) {
      emitted.push({ name, payload, clientId });
    },
  };
  const containers: LabContainers = {
    containerFor: async (target: ContainerTarget) => (target.kind === 'jumphost' ? 'c-jump' : target.kind === 'node' ? `c-${target.node}` : null),
    nodeNames: async () => ['master1'],
    exec: async () => ({ exitCode: 0, output: '' }),
    execInteractive: async (containerId, argv) => {
      execCalls.push({ containerId, argv });
      const process = new FakeProcess();
      processes.push(process);
      return process;
    },
    publishedPort: async () => null,
    ...options.containers,
  };
  const cluster: ClusterAccess = {
    kubeConfig: async () => null,
    kubeconfigPath: async () => options.kubeconfigPath ?? null,
    onChange: () => () => undefined,
  };
  const service = new TerminalService({
    containers,
    cluster,
    events,
    scrollbackBytes: 64,
    spawnHostShell: async (hostOptions) => {
      hostCalls.push(hostOptions);
      const process = new FakeProcess();
      processes.push(process);
      return process;
    },
  });
  const data = (clientId?: string) =>
    emitted
      .filter((event) => event.name === 'terminal.data' && (clientId === undefined || event.clientId === clientId))
      .map((event) => event.payload as EventPayload<'terminal.data'>);
  return { service, processes, execCalls, hostCalls, emitted, data };
}

const decode = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

describe('TerminalService', () => {
  let current: ReturnType<typeof setup> | undefined;
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
    expect(current.data().map((event) => [Buffer.from(decode(event.data)).toString(), event.seq])).toEqual([
      ['hello world\r\n', 13],
      ['$ ', 15],
    ]);
    expect(current.data()[0]!.id).toBe(session.id);
  });

  it('keeps a UTF-8 character split across chunks intact through base64', async () => {
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
    const joined = Buffer.concat(events.map((event) => decode(event.data)));
    expect(new TextDecoder('utf-8', { fatal: true }).decode(joined)).toBe('€ ✓ 日本');
  });

  it('pauses the shell above the high watermark and resumes it once acknowledged below the low watermark', async () => {
    vi.useFakeTimers();
    current = setup();
    const session = await current.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    const process = current.processes[0]!;
    const chunk = new Uint8Array(10_000).fill(0x79);
    for (let sent = 0; sent < FlowControl.HIGH_WATERMARK_BYTES; sent += chunk.byteLength) process.emit(chunk);
    expect(process.pauseCalls).toBe(0);
    process.emit(new Uint8Array([0x0a]));
    expect(process.paused).toBe(true);
    expect(process.pauseCalls).toBe(1);

    await vi.advanceTimersByTimeAsync(10);
    const total = FlowControl.HIGH_WATERMARK_BYTES + 1;
    current.service.ack(session.id, total - FlowControl.LOW_WATERMARK_BYTES);
    expect(process.paused).toBe(true);
    current.service.ack(session.id, 1);
    expect(process.paused).toBe(false);
    expect(process.resumeCalls).toBe(1);
  });

  it('replays the scrollback on attach, trimmed to whole lines, and hands output to the attaching client', async () => {
    vi.useFakeTimers();
    current = setup();
    const session = await current.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
    const process = current.processes[0]!;
    for (let line = 1; line <= 10; line++) process.emit(`line ${String(line).padStart(2, '0')}\r\n`);
    await vi.advanceTimersByTimeAsync(10);

    const { replay, seq } = current.service.attach(session.id, 'client-b');
    const text = Buffer.from(replay, 'base64').toString();
    // 10 lines of 9 bytes; the 64-byte buffer keeps the newest whole lines that fit (7 lines, 63 bytes).
    expect(text).toBe(['04', '05', '06', '07', '08', '09', '10'].map((n) => `line ${n}\r\n`).join(''));
    expect(seq).toBe(90);

    process.emit('after\r\n');
    await vi.advanceTimersByTimeAsync(10);
    const last = current.emitted.filter((event) => event.name === 'terminal.data').at(-1)!;
    expect(last.clientId).toBe('client-b');
    expect((last.payload as { seq: number }).seq).toBe(97);
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
