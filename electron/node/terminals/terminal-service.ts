import { randomBytes } from 'node:crypto';
import type { EventSink } from '../../common/api/contract.ts';
import type { TerminalSession, TerminalTarget } from '../../common/api/terminal.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ClusterAccess, InteractiveProcess, LabContainers } from '../backend/ports.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { FlowController } from './flow-control.ts';
import { NodeCommandRecorder, nodeShellArgv } from './node-command-recorder.ts';
import { spawnHostShell, type SpawnHostShell } from './host-shell.ts';
import { ScrollbackBuffer } from './scrollback-buffer.ts';

/**
 * A login shell, so the jumphost's profile (completion, prompt and the command record the checks read) is
 * loaded exactly as over ssh. The jumphost image runs execs as its attendee user `ubuntu`.
 */
export const JUMPHOST_SHELL = ['bash', '-l'];
/** ash on the k3s image, with a prompt that reports each command's exit status (node-command-recorder.ts). */
export const NODE_SHELL = nodeShellArgv();

/** Output is coalesced for this long so a chatty shell sends a few large events instead of many tiny ones. */
const COALESCE_MS = 5;
const MAX_EVENT_BYTES = 256 * 1024;

export interface TerminalServiceOptions {
  containers: LabContainers;
  cluster: ClusterAccess;
  events: EventSink;
  /** Replaceable for tests; defaults to node-pty with the user's $SHELL. */
  spawnHostShell?: SpawnHostShell;
  scrollbackBytes?: number;
  /** Receives the command lines typed in node terminals (the jumphost records its own). */
  recordCommand?: (record: CommandRecord) => void;
}

interface Session {
  readonly id: string;
  readonly title: string;
  readonly target: TerminalTarget;
  readonly process: InteractiveProcess;
  readonly scrollback: ScrollbackBuffer;
  readonly flow: FlowController;
  /** Node terminals only: turns typed lines and prompts into command records. */
  readonly recorder: { recorder: NodeCommandRecorder; decoder: TextDecoder } | undefined;
  /** The renderer that sees this shell's output; a reconnecting renderer takes it over with attach. */
  clientId: string;
  alive: boolean;
  /** Total bytes emitted so far; an event's seq is this count at its last byte. */
  seq: number;
  pending: Uint8Array[];
  pendingBytes: number;
  flushTimer: NodeJS.Timeout | null;
}

export interface OpenRequest {
  target: TerminalTarget;
  cols: number;
  rows: number;
}

/** Interactive shells on the jumphost, the nodes and the host, with scrollback and flow control. */
export class TerminalService {
  readonly #sessions = new Map<string, Session>();
  readonly #containers: LabContainers;
  readonly #cluster: ClusterAccess;
  readonly #events: EventSink;
  readonly #spawnHostShell: SpawnHostShell;
  readonly #scrollbackBytes: number;
  readonly #recordCommand: ((record: CommandRecord) => void) | undefined;
  #counter = 0;

  constructor(options: TerminalServiceOptions) {
    this.#containers = options.containers;
    this.#cluster = options.cluster;
    this.#events = options.events;
    this.#spawnHostShell = options.spawnHostShell ?? spawnHostShell;
    this.#scrollbackBytes = options.scrollbackBytes ?? 1024 * 1024;
    this.#recordCommand = options.recordCommand;
  }

  async open(request: OpenRequest, clientId: string): Promise<TerminalSession> {
    const process = await this.#start(request);
    const number = ++this.#counter;
    const id = `t${number.toString(36)}-${randomBytes(4).toString('hex')}`;
    const recordCommand = this.#recordCommand;
    const recorder =
      request.target.kind === 'node' && recordCommand
        ? { recorder: new NodeCommandRecorder({ node: request.target.node, shellId: number, onRecord: recordCommand }), decoder: new TextDecoder() }
        : undefined;
    const session: Session = {
      id,
      title: titleFor(request.target),
      target: request.target,
      process,
      scrollback: new ScrollbackBuffer(this.#scrollbackBytes),
      flow: new FlowController(process),
      recorder,
      clientId,
      alive: true,
      seq: 0,
      pending: [],
      pendingBytes: 0,
      flushTimer: null,
    };
    this.#sessions.set(id, session);
    process.onData((chunk) => this.#receive(session, chunk));
    process.onExit((exitCode, message) => {
      this.#flush(session);
      session.alive = false;
      this.#events.emit('terminal.exit', { id, exitCode, ...(message === undefined ? {} : { message }) }, session.clientId);
    });
    return describe(session);
  }

  list(): TerminalSession[] {
    return [...this.#sessions.values()].map(describe);
  }

  /** Hands the session's output to `clientId` and returns the scrollback to paint before new output. */
  attach(id: string, clientId: string): { replay: string; seq: number } {
    const session = this.#get(id);
    this.#flush(session);
    session.clientId = clientId;
    session.flow.reset();
    return { replay: Buffer.from(session.scrollback.contents()).toString('base64'), seq: session.seq };
  }

  input(id: string, data: string, clientId?: string): void {
    const session = this.#get(id);
    if (clientId !== undefined) this.#adopt(session, clientId);
    if (!session.alive) return;
    session.recorder?.recorder.input(data);
    session.process.write(data);
  }

  resize(id: string, cols: number, rows: number, clientId?: string): void {
    const session = this.#get(id);
    if (clientId !== undefined) this.#adopt(session, clientId);
    if (session.alive) session.process.resize(cols, rows);
  }

  ack(id: string, bytes: number): void {
    this.#sessions.get(id)?.flow.acknowledged(bytes);
  }

  close(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    if (session.flushTimer) clearTimeout(session.flushTimer);
    if (session.alive) session.process.kill();
    session.alive = false;
  }

  async dispose(): Promise<void> {
    for (const id of [...this.#sessions.keys()]) this.close(id);
  }

  /**
   * A renderer that types into or resizes a shell is showing it, even when its connection was re-made
   * without an attach (a transport reconnect): from now on the output goes there.
   */
  #adopt(session: Session, clientId: string): void {
    if (session.clientId === clientId) return;
    session.clientId = clientId;
    session.flow.reset();
  }

  async #start({ target, cols, rows }: OpenRequest): Promise<InteractiveProcess> {
    if (target.kind === 'host') {
      return this.#spawnHostShell({ cols, rows, kubeconfigPath: await this.#cluster.kubeconfigPath() });
    }
    const containerId = await this.#containers.containerFor(target);
    if (!containerId) {
      const what = target.kind === 'jumphost' ? 'The jumphost' : `Node ${target.node}`;
      throw new LabdeckError('environment-not-ready', `${what} is not running, so there is no shell to open.`, {
        action: 'Start the lab environment from the start screen, then open the terminal tab again.',
      });
    }
    const argv = target.kind === 'jumphost' ? JUMPHOST_SHELL : NODE_SHELL;
    return this.#containers.execInteractive(containerId, argv, { cols, rows, env: ['TERM=xterm-256color', 'COLORTERM=truecolor'] });
  }

  #receive(session: Session, chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (session.recorder) session.recorder.recorder.output(session.recorder.decoder.decode(chunk, { stream: true }));
    // Copy: some streams reuse their buffers after the callback returns.
    session.pending.push(Uint8Array.prototype.slice.call(chunk));
    session.pendingBytes += chunk.byteLength;
    session.flow.sent(chunk.byteLength);
    if (session.pendingBytes >= MAX_EVENT_BYTES) this.#flush(session);
    else session.flushTimer ??= setTimeout(() => this.#flush(session), COALESCE_MS);
  }

  #flush(session: Session): void {
    if (session.flushTimer) clearTimeout(session.flushTimer);
    session.flushTimer = null;
    if (session.pendingBytes === 0) return;
    const bytes = Buffer.concat(session.pending, session.pendingBytes);
    session.pending = [];
    session.pendingBytes = 0;
    session.seq += bytes.byteLength;
    session.scrollback.append(bytes);
    if (!this.#sessions.has(session.id)) return;
    this.#events.emit('terminal.data', { id: session.id, data: bytes.toString('base64'), seq: session.seq }, session.clientId);
  }

  #get(id: string): Session {
    const session = this.#sessions.get(id);
    if (!session) {
      throw new LabdeckError('not-found', 'That terminal is closed.', { action: 'Open a new terminal tab.' });
    }
    return session;
  }
}

function titleFor(target: TerminalTarget): string {
  switch (target.kind) {
    case 'jumphost':
      return 'jumphost';
    case 'node':
      return target.node;
    case 'host':
      return 'host shell';
  }
}

function describe(session: Session): TerminalSession {
  return { id: session.id, title: session.title, target: session.target, alive: session.alive };
}
