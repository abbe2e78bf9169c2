import { randomBytes } from 'node:crypto';
import type { EventSink } from '../../common/api/contract.ts';
import type { TerminalSession, TerminalTarget } from '../../common/api/terminal.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ClusterAccess, InteractiveProcess, LabContainers } from '../backend/ports.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { FlowControl, InFlight, RecentBytes } from './flow-control.ts';
import { nodeShellArgv } from './node-command-recorder.ts';
import { spawnHostShell, type SpawnHostShell } from './host-shell.ts';
import { mirrorTail, OutputBacklog } from './output-backlog.ts';
import { OutputPipeline } from './output-pipeline.ts';
import { CreditedLines } from './terminal-recorder.ts';
import { commandRecorderFor, describe, endSession, titleFor, type Session } from './terminal-session.ts';
import { ScreenMirror } from './screen-mirror.ts';
import { targetKey, TerminalStateFile, type SavedTerminal } from './terminal-persistence.ts';

/**
 * A login shell, so the jumphost's profile (completion, prompt and the command record the checks read) is
 * loaded exactly as over ssh. The jumphost image runs execs as its attendee user `ubuntu`.
 */
export const JUMPHOST_SHELL = ['bash', '-l'];
/** bash on the node image, with a prompt that reports each command's exit status (node-command-recorder.ts). */
export const NODE_SHELL = nodeShellArgv();

export interface TerminalServiceOptions {
  containers: LabContainers;
  cluster: ClusterAccess;
  events: EventSink;
  /** Replaceable for tests; defaults to node-pty with the user's $SHELL. */
  spawnHostShell?: SpawnHostShell;
  /** Receives the command lines typed in node terminals (the jumphost records its own). */
  recordCommand?: (record: CommandRecord) => void;
  /**
   * Where the open terminals' screens are kept, so that after a crash or restart a terminal opened on the
   * same machine starts with the screen it had (terminal-persistence.ts). None: nothing is kept.
   */
  stateFile?: string;
}

/** Written under a restored screen: the old shell ended with the previous backend. */
const RESTORED_NOTE = '\r\n\x1b[2m[Labdeck was restarted: the shell above ended with it. This is a new shell.]\x1b[0m\r\n';
/** Written under the screen of a shell ended because the browser tab it belonged to was closed. */
const RELEASED_NOTE = '\r\n\x1b[2m[The shell above ended after its browser tab was closed. This is a new shell.]\x1b[0m\r\n';

export interface OpenRequest {
  target: TerminalTarget;
  cols: number;
  rows: number;
}

/**
 * Shells one client may have open, and all clients together (a shell outlives its connection for a reload
 * or reconnect, and a client that reconnects gets a new id): a page that loops on terminal.open must not
 * exhaust processes or memory (issue 21). The terminal strip shows a handful; these limits are far above
 * what an attendee opens. A tab gone for good takes its shells with it (release).
 */
export const MAX_TERMINALS_PER_CLIENT = 16;
export const MAX_TERMINALS = 32;
export { mirrorTail };

/** Interactive shells on the jumphost, the nodes and the host, with a screen mirror and output pacing. */
export class TerminalService {
  readonly #sessions = new Map<string, Session>();
  readonly #containers: LabContainers;
  readonly #cluster: ClusterAccess;
  readonly #events: EventSink;
  readonly #spawnHostShell: SpawnHostShell;
  readonly #recordCommand: ((record: CommandRecord) => void) | undefined;
  readonly #credited = new CreditedLines();
  #counter = 0;
  readonly #state: TerminalStateFile | null;
  /** Screens the previous run left, by target; each is used by the first shell opened there. */
  readonly #restored: Promise<Map<string, SavedTerminal>>;
  readonly #output: OutputPipeline;

  constructor(options: TerminalServiceOptions) {
    this.#containers = options.containers;
    this.#cluster = options.cluster;
    this.#events = options.events;
    this.#spawnHostShell = options.spawnHostShell ?? spawnHostShell;
    this.#recordCommand = options.recordCommand;
    this.#state = options.stateFile ? new TerminalStateFile(options.stateFile) : null;
    this.#restored = this.#state ? this.#state.load() : Promise.resolve(new Map());
    this.#output = new OutputPipeline({ events: this.#events, isOpen: (session) => this.#sessions.has(session.id), onOutput: () => this.#saveSoon() });
  }

  /** Opens still starting, by client: counted against the limits before their shell exists. */
  readonly #starting = new Map<string, number>();
  /** Clients released while one of their opens was starting: that shell is ended as soon as it exists. */
  readonly #released = new Set<string>();
  /** Screens of shells ended by release, by target: the next shell opened there starts with one. */
  readonly #releasedScreens = new Map<string, string>();

  async open(request: OpenRequest, clientId: string): Promise<TerminalSession> {
    const mine = [...this.#sessions.values()].filter((session) => session.clientId === clientId && session.alive).length + (this.#starting.get(clientId) ?? 0);
    const all = [...this.#sessions.values()].filter((session) => session.alive).length + [...this.#starting.values()].reduce((sum, count) => sum + count, 0);
    if (mine >= MAX_TERMINALS_PER_CLIENT || all >= MAX_TERMINALS) {
      throw new LabdeckError('conflict', `${all >= MAX_TERMINALS ? `${MAX_TERMINALS} terminals are open` : `This window has ${MAX_TERMINALS_PER_CLIENT} terminals open`}, the most Labdeck keeps at once.`, {
        action: 'Close a terminal you no longer need, then open this one again.',
      });
    }
    this.#starting.set(clientId, (this.#starting.get(clientId) ?? 0) + 1);
    let process: InteractiveProcess;
    let released = false;
    try {
      process = await this.#start(request);
    } finally {
      const left = (this.#starting.get(clientId) ?? 1) - 1;
      if (left > 0) this.#starting.set(clientId, left);
      else this.#starting.delete(clientId);
      released = this.#released.has(clientId);
      if (left <= 0) this.#released.delete(clientId);
    }
    if (released) {
      process.kill();
      throw new LabdeckError('conflict', 'The browser tab that asked for this terminal was closed.', { action: 'Open the terminal again from a Labdeck window.' });
    }
    const restored = await this.#restored;
    const previous = restored.get(targetKey(request.target));
    restored.delete(targetKey(request.target));
    const releasedScreen = this.#releasedScreens.get(targetKey(request.target));
    this.#releasedScreens.delete(targetKey(request.target));
    const number = ++this.#counter;
    const id = `t${number.toString(36)}-${randomBytes(4).toString('hex')}`;
    const recorder = this.#recordCommand ? commandRecorderFor(request.target, number, this.#recordCommand, this.#credited) : undefined;
    const session: Session = {
      id,
      title: titleFor(request.target),
      target: request.target,
      process,
      mirror: new ScreenMirror(request.cols, request.rows),
      inFlight: new InFlight(),
      recent: new RecentBytes(),
      recorder,
      clientId,
      alive: true,
      mode: 'live',
      position: 0,
      pending: [],
      pendingBytes: 0,
      backlog: new OutputBacklog(),
      draining: false,
      flushTimer: null,
      held: [],
      snapshotting: null,
      sourcePaused: false,
      interruptTimer: null,
      interruptedAt: 0,
      interruptCaret: false,
      sentAt: 0,
      unmirrored: [],
      unmirroredBytes: 0,
      mirrorTimer: null,
      rows: request.rows,
    };
    this.#sessions.set(id, session);
    const restoredScreen = releasedScreen ?? (previous ? `${previous.screen}${RESTORED_NOTE}` : undefined);
    // The mirror starts from the old screen too, so a reload or reconnect replays it with the new shell.
    if (restoredScreen) session.mirror.write(Buffer.from(restoredScreen, 'utf8'));
    this.#saveSoon();
    process.onData((chunk) => this.#output.receive(session, chunk));
    process.onExit((exitCode, message) => {
      session.alive = false;
      const announce = () => {
        if (!this.#sessions.has(id)) return;
        this.#events.emit('terminal.exit', { id, exitCode, ...(message === undefined ? {} : { message }) }, session.clientId);
      };
      if (session.mode === 'live') {
        // The shell's last words go out whole (at most BACKLOG_MAX_BYTES and the window), before the notice.
        this.#output.flush(session, false);
        announce();
      } else {
        // The renderer is behind or waiting for a screen: it gets the final screen before the exit notice.
        void this.#output.resync(session).then(announce);
      }
    });
    return restoredScreen ? { ...describe(session), restored: restoredScreen } : describe(session);
  }

  list(): TerminalSession[] {
    return [...this.#sessions.values()].map(describe);
  }

  /**
   * Hands the session's output to `clientId` and returns what to paint before new output: the mirror's
   * screen and scrollback (UTF-8, base64), standing for the stream up to `seq`.
   */
  async attach(id: string, clientId: string): Promise<{ replay: string; seq: number }> {
    const session = this.#get(id);
    session.clientId = clientId;
    session.inFlight.reset();
    const snapshot = await this.#output.snapshot(session, true);
    // The call's answer must reach the renderer before the output that follows the snapshot; answers
    // are sent when this promise settles, so the held output goes out on a later turn.
    setTimeout(() => this.#output.goLive(session), 0);
    return { replay: Buffer.from(snapshot.screen, 'utf8').toString('base64'), seq: snapshot.seq };
  }

  input(id: string, data: string, clientId?: string, resync = false): void {
    const session = this.#get(id);
    if (clientId !== undefined) this.#adopt(session, clientId);
    // Ctrl-C while the renderer is behind, or while output pours in (right after a screen the window is
    // empty, but the flood is not over): what is queued for it is output the user wants stopped.
    const pouring = session.inFlight.bytes + session.recent.total(Date.now()) > FlowControl.INTERRUPT_BEHIND_BYTES;
    const behind = session.mode === 'lagging' || session.backlog.bytes > 0 || pouring;
    if (resync || (data.includes('\x03') && behind)) this.#output.interrupt(session);
    if (!session.alive) return;
    session.recorder?.recorder.input(data);
    session.process.write(data);
  }

  resize(id: string, cols: number, rows: number, clientId?: string): void {
    const session = this.#get(id);
    if (clientId !== undefined) this.#adopt(session, clientId);
    if (!session.alive) return;
    session.process.resize(cols, rows);
    session.rows = rows;
    // The shell redraws for the new size; the mirror follows so its screens have the renderer's shape.
    session.mirror.resize(cols, rows);
  }

  /** The renderer has processed the output up to stream position `seq`. */
  ack(id: string, seq: number): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    session.inFlight.acknowledged(seq);
    if (session.mode === 'live' && session.backlog.bytes > 0) this.#output.drain(session);
    if (session.mode === 'lagging' && session.inFlight.bytes < FlowControl.LOW_WATERMARK_BYTES) void this.#output.resync(session);
  }

  close(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    endSession(session);
    this.#saveSoon();
  }

  /**
   * The renderers `clientIds` are gone for good (a browser tab closed and not back within its grace): the
   * shells they own end. A shell another tab attached meanwhile belongs to that tab and stays. Each ended
   * shell's screen comes back under the next shell opened on the same machine, as after a restart.
   */
  async release(clientIds: readonly string[]): Promise<void> {
    const gone = new Set(clientIds);
    for (const clientId of gone) if (this.#starting.has(clientId)) this.#released.add(clientId);
    const ending = [...this.#sessions.values()].filter((session) => gone.has(session.clientId));
    for (const session of ending) {
      this.#sessions.delete(session.id);
      this.#output.mirrorPending(session);
      const screen = await session.mirror.snapshot(session.position, { scrollback: false }).then(
        (snapshot) => snapshot.screen,
        () => '',
      );
      endSession(session);
      this.#releasedScreens.set(targetKey(session.target), `${screen}${RELEASED_NOTE}`);
    }
    if (ending.length > 0) this.#saveSoon();
  }

  /** Ends every shell; the saved screens stay, so the terminals come back on the next start. */
  async dispose(): Promise<void> {
    await this.#state?.flush();
    this.#state?.dispose();
    for (const session of this.#sessions.values()) endSession(session);
    this.#sessions.clear();
  }

  #saveSoon(): void {
    this.#state?.schedule(async () => {
      const sessions = [...this.#sessions.values()];
      for (const session of sessions) this.#output.mirrorPending(session);
      const screens = await Promise.all(sessions.map((session) => session.mirror.snapshot(session.position, { scrollback: false })));
      const savedAt = new Date().toISOString();
      return sessions.map((session, index) => ({ target: session.target, screen: screens[index]?.screen ?? '', savedAt }));
    });
  }

  /**
   * A renderer that types into or resizes a shell is showing it, even when its connection was re-made
   * without an attach (a transport reconnect): from now on the output goes there.
   */
  #adopt(session: Session, clientId: string): void {
    if (session.clientId === clientId) return;
    session.clientId = clientId;
    session.inFlight.reset();
    if (session.mode === 'live' && session.backlog.bytes > 0) this.#output.drain(session);
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

  #get(id: string): Session {
    const session = this.#sessions.get(id);
    if (!session) {
      throw new LabdeckError('not-found', 'That terminal is closed.', { action: 'Open a new terminal tab.' });
    }
    return session;
  }
}
