import { vi } from 'vitest';
import type { EventName, EventPayload, EventSink } from '../../common/api/contract.ts';
import type { ClusterAccess, ContainerTarget, InteractiveProcess, LabContainers } from '../backend/ports.ts';
import type { HostShellOptions } from './host-shell.ts';
import { TerminalService } from './terminal-service.ts';

/** A shell the test drives: it emits output, exits, and records what was written, resized and killed. */
export class FakeProcess implements InteractiveProcess {
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

export interface Emitted {
  name: EventName;
  payload: unknown;
  clientId: string | undefined;
}

/** A TerminalService over fake containers and a fake host shell; `data` lists terminal.data events, `screens` terminal.screen events. */
export function setup(options: { containers?: Partial<LabContainers>; kubeconfigPath?: string | null; stateFile?: string } = {}) {
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
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
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
  const screens = () => emitted.filter((event) => event.name === 'terminal.screen').map((event) => event.payload as EventPayload<'terminal.screen'>);
  return { service, processes, execCalls, hostCalls, emitted, data, screens };
}

export type TerminalFixture = ReturnType<typeof setup>;

/** A jumphost terminal opened for client-a (80x24), with the fake shell behind it. */
export async function openJumphost(fixture: TerminalFixture) {
  const session = await fixture.service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client-a');
  return { session, process: fixture.processes.at(-1)! };
}

/** `count` numbered lines of 74 bytes each, from line `from` on: a flood whose end a screen can be checked for. */
export const floodLines = (from: number, count: number) => Array.from({ length: count }, (_, index) => `line ${String(from + index).padStart(6, '0')} ${'y'.repeat(60)}\r\n`).join('');

/** Under fake timers, the shell prints blocks `from` to `to` (exclusive) of 340 flood lines, one every `everyMs`. */
export async function emitFloodBlocks(process: FakeProcess, from: number, to: number, everyMs: number): Promise<void> {
  for (let block = from; block < to; block++) {
    process.emit(floodLines(block * 340, 340));
    await vi.advanceTimersByTimeAsync(everyMs);
  }
}
