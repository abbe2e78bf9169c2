import { randomBytes } from 'node:crypto';
import type { EventSink } from '../../common/api/contract.ts';
import type { TerminalSession, TerminalTarget } from '../../common/api/terminal.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ClusterAccess, InteractiveProcess, LabContainers } from '../backend/ports.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { FlowControl, InFlight } from './flow-control.ts';
import { nodeShellArgv } from './node-command-recorder.ts';
import { spawnHostShell, type SpawnHostShell } from './host-shell.ts';
import { mirrorTail, OutputBacklog } from './output-backlog.ts';
import { commandRecorderFor, describe, endSession, titleFor, type Session } from './terminal-session.ts';
import { ScreenMirror, type Snapshot } from './screen-mirror.ts';
import { targetKey, TerminalStateFile, type SavedTerminal } from './terminal-persistence.ts';

/**
 * A login shell, so the jumphost's profile (completion, prompt and the command record the checks read) is
 * loaded exactly as over ssh. The jumphost image runs execs as its attendee user `ubuntu`.
 */
export const JUMPHOST_SHELL = ['bash', '-l'];
/** bash on the node image, with a prompt that reports each command's exit status (node-command-recorder.ts). */
export const NODE_SHELL = nodeShellArgv();

/** Output is coalesced for this long so a chatty shell sends a few large events instead of many tiny ones. */
const COALESCE_MS = 5;
const MAX_EVENT_BYTES = 256 * 1024;
/** The smallest piece sent from the backlog as acknowledgements make room: fewer, larger events. */
const MIN_PACED_EVENT_BYTES = 16 * 1024;
/** After a Ctrl-C that dropped the backlog, the screen is sent once the shell has been quiet this long… */
const INTERRUPT_QUIET_MS = 30;
/** …or this long after the Ctrl-C at the latest (a program that ignores SIGINT keeps printing). */
const INTERRUPT_MAX_WAIT_MS = 400;
/** Output held after a Ctrl-C beyond this is mirrored at once, so a program ignoring SIGINT stays bounded. */
const INTERRUPT_HOLD_MAX_BYTES = 8 * 1024 * 1024;
/** The mirror is fed at the latest this long after output arrives… */
const LAZY_MIRROR_MS = 50;
/** …or once this much has arrived. */
const LAZY_MIRROR_MAX_BYTES = 1024 * 1024;
/** Lines above the screen a skipped flood still leaves in the mirror, for a replay after a reload. */
const MIRROR_TAIL_SCROLLBACK_LINES = 500;

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
  #counter = 0;
  readonly #state: TerminalStateFile | null;
  /** Screens the previous run left, by target; each is used by the first shell opened there. */
  readonly #restored: Promise<Map<string, SavedTerminal>>;

  constructor(options: TerminalServiceOptions) {
    this.#containers = options.containers;
    this.#cluster = options.cluster;
    this.#events = options.events;
    this.#spawnHostShell = options.spawnHostShell ?? spawnHostShell;
    this.#recordCommand = options.recordCommand;
    this.#state = options.stateFile ? new TerminalStateFile(options.stateFile) : null;
    this.#restored = this.#state ? this.#state.load() : Promise.resolve(new Map());
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
    const recorder = this.#recordCommand ? commandRecorderFor(request.target, number, this.#recordCommand) : undefined;
    const session: Session = {
      id,
      title: titleFor(request.target),
      target: request.target,
      process,
      mirror: new ScreenMirror(request.cols, request.rows),
      inFlight: new InFlight(),
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
    process.onData((chunk) => this.#receive(session, chunk));
    process.onExit((exitCode, message) => {
      session.alive = false;
      const announce = () => {
        if (!this.#sessions.has(id)) return;
        this.#events.emit('terminal.exit', { id, exitCode, ...(message === undefined ? {} : { message }) }, session.clientId);
      };
      if (session.mode === 'live') {
        // The shell's last words go out whole (at most BACKLOG_MAX_BYTES and the window), before the notice.
        this.#flush(session, false);
        announce();
      } else {
        // The renderer is behind or waiting for a screen: it gets the final screen before the exit notice.
        void this.#resync(session).then(announce);
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
    const snapshot = await this.#snapshot(session, true);
    // The call's answer must reach the renderer before the output that follows the snapshot; answers
    // are sent when this promise settles, so the held output goes out on a later turn.
    setTimeout(() => this.#goLive(session), 0);
    return { replay: Buffer.from(snapshot.screen, 'utf8').toString('base64'), seq: snapshot.seq };
  }

  input(id: string, data: string, clientId?: string, resync = false): void {
    const session = this.#get(id);
    if (clientId !== undefined) this.#adopt(session, clientId);
    // Ctrl-C while the renderer is behind: what is queued for it is output the user wants stopped.
    const behind = session.mode === 'lagging' || session.backlog.bytes > 0 || session.inFlight.bytes > FlowControl.INTERRUPT_BEHIND_BYTES;
    if (resync || (data.includes('\x03') && behind)) this.#interrupt(session);
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
    if (session.mode === 'live' && session.backlog.bytes > 0) this.#drain(session);
    if (session.mode === 'lagging' && session.inFlight.bytes < FlowControl.LOW_WATERMARK_BYTES) void this.#resync(session);
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
      this.#mirrorPending(session);
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
      for (const session of sessions) this.#mirrorPending(session);
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
    if (session.mode === 'live' && session.backlog.bytes > 0) this.#drain(session);
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
    const copy = Uint8Array.prototype.slice.call(chunk);
    session.position += copy.byteLength;
    this.#saveSoon();
    session.unmirrored.push(copy);
    session.unmirroredBytes += copy.byteLength;
    if (session.mode === 'interrupted') {
      // What drains from the pipes after a Ctrl-C is mirrored in one go when the shell is quiet.
      if (session.unmirroredBytes > INTERRUPT_HOLD_MAX_BYTES) this.#mirrorPending(session);
      this.#armInterruptTimer(session);
      return;
    }
    if (session.unmirroredBytes > LAZY_MIRROR_MAX_BYTES) this.#mirrorPending(session);
    else session.mirrorTimer ??= setTimeout(() => this.#mirrorPending(session), LAZY_MIRROR_MS);
    switch (session.mode) {
      case 'live':
        session.pending.push(copy);
        session.pendingBytes += copy.byteLength;
        if (session.pendingBytes >= MAX_EVENT_BYTES) this.#flush(session);
        else session.flushTimer ??= setTimeout(() => this.#flush(session), COALESCE_MS);
        break;
      case 'snapshotting':
        session.held.push(copy);
        break;
      case 'lagging':
        // Only the mirror sees it; the renderer gets the resulting screen when it catches up.
        break;
    }
  }

  #mirrorProgressed(session: Session): void {
    if (session.sourcePaused && session.mirror.unparsedBytes < FlowControl.MIRROR_LOW_BYTES) {
      session.sourcePaused = false;
      if (session.alive) session.process.resume();
      if (session.mode === 'interrupted') this.#armInterruptTimer(session);
    }
  }

  /**
   * Moves the coalesced output to the backlog and sends from it. `paced`: only while the renderer has room
   * in its window (live output); otherwise all at once (the output held during an attach's snapshot, and
   * the last output of a shell that exited).
   */
  #flush(session: Session, paced = true): void {
    if (session.flushTimer) clearTimeout(session.flushTimer);
    session.flushTimer = null;
    if (session.pendingBytes > 0) {
      session.backlog.push(session.pending, session.position - session.pendingBytes);
      session.pending = [];
      session.pendingBytes = 0;
    }
    if (!this.#sessions.has(session.id)) return session.backlog.clear();
    this.#drain(session, paced);
  }

  /**
   * Sends the backlog in events of at most MAX_EVENT_BYTES (output held during a snapshot can be
   * megabytes). Paced, what does not fit in the renderer's window waits for its acknowledgements, in order
   * and whole: a `kubectl get -o yaml` of a few hundred KB reaches the scrollback in full. Only when more
   * than BACKLOG_MAX_BYTES arrived while the page was behind is it a flood: then the page lags and gets the
   * screen when it catches up.
   */
  #drain(session: Session, paced = true): void {
    // A receiver that acknowledges inside emit (in-process) would re-enter here; this loop takes that room.
    if (session.draining) return;
    session.draining = true;
    try {
      this.#sendBacklog(session, paced);
    } finally {
      session.draining = false;
    }
    const flood = paced ? session.backlog.sinceEmpty > FlowControl.BACKLOG_MAX_BYTES : session.inFlight.bytes > FlowControl.HIGH_WATERMARK_BYTES;
    if (session.mode === 'live' && flood) {
      session.backlog.clear();
      session.mode = 'lagging';
      // Acknowledgements bring the screen; when none is due any more, the screen goes now.
      if (session.inFlight.bytes < FlowControl.LOW_WATERMARK_BYTES) setTimeout(() => session.mode === 'lagging' && void this.#resync(session), 0);
    }
  }

  #sendBacklog(session: Session, paced: boolean): void {
    while (session.backlog.bytes > 0 && (!paced || session.inFlight.bytes < FlowControl.HIGH_WATERMARK_BYTES)) {
      // Paced, a piece fills the window and no more, so a Ctrl-C finds no more than the window on its way.
      const room = Math.max(FlowControl.HIGH_WATERMARK_BYTES - session.inFlight.bytes, MIN_PACED_EVENT_BYTES);
      const piece = session.backlog.take(paced ? Math.min(MAX_EVENT_BYTES, room) : MAX_EVENT_BYTES);
      const seq = session.backlog.start;
      session.inFlight.sent(seq, piece.byteLength);
      this.#events.emit('terminal.data', { id: session.id, data: piece, seq }, session.clientId);
    }
  }

  /** Drops what was queued for the renderer (coalescing and backlog): a screen stands for it. */
  #dropPending(session: Session): void {
    if (session.flushTimer) clearTimeout(session.flushTimer);
    session.flushTimer = null;
    session.pending = [];
    session.pendingBytes = 0;
    session.backlog.clear();
  }

  /** Drops what was queued for the renderer and sends the screen once the shell has stopped printing. */
  #interrupt(session: Session): void {
    if (session.mode === 'snapshotting') return;
    this.#dropPending(session);
    session.mode = 'interrupted';
    session.interruptedAt = Date.now();
    this.#armInterruptTimer(session);
  }

  #armInterruptTimer(session: Session): void {
    if (session.interruptTimer) clearTimeout(session.interruptTimer);
    const left = session.interruptedAt + INTERRUPT_MAX_WAIT_MS - Date.now();
    session.interruptTimer = setTimeout(
      () => {
        session.interruptTimer = null;
        // A paused source is not a quiet shell: output is still waiting in the pipe behind the mirror.
        if (session.sourcePaused && Date.now() - session.interruptedAt < INTERRUPT_MAX_WAIT_MS) return this.#armInterruptTimer(session);
        void this.#resync(session);
      },
      Math.max(0, Math.min(INTERRUPT_QUIET_MS, left)),
    );
  }

  /** Hands the output read so far to the mirror (of a plain-text flood only its tail: mirrorTail). */
  #mirrorPending(session: Session): void {
    if (session.mirrorTimer) clearTimeout(session.mirrorTimer);
    session.mirrorTimer = null;
    if (session.unmirroredBytes === 0) return;
    const held = session.unmirrored.length === 1 ? session.unmirrored[0]! : Buffer.concat(session.unmirrored, session.unmirroredBytes);
    session.unmirrored = [];
    session.unmirroredBytes = 0;
    session.mirror.write(mirrorTail(held, 2 * session.rows + MIRROR_TAIL_SCROLLBACK_LINES), () => this.#mirrorProgressed(session));
    if (!session.sourcePaused && session.mirror.unparsedBytes > FlowControl.MIRROR_HIGH_BYTES) {
      session.sourcePaused = true;
      session.process.pause();
    }
  }

  /** Sends the renderer the current screen (no scrollback) and streams live from there. */
  async #resync(session: Session): Promise<void> {
    if (session.mode === 'snapshotting') return;
    if (session.interruptTimer) clearTimeout(session.interruptTimer);
    session.interruptTimer = null;
    this.#mirrorPending(session);
    const snapshot = await this.#snapshot(session, false);
    if (this.#sessions.has(session.id)) {
      session.inFlight.sent(snapshot.seq, snapshot.screen.length);
      this.#events.emit('terminal.screen', { id: session.id, screen: snapshot.screen, seq: snapshot.seq }, session.clientId);
    }
    this.#goLive(session, true);
  }

  /** Serializes the mirror at the current position; output arriving meanwhile is held for afterwards. */
  async #snapshot(session: Session, scrollback: boolean): Promise<Snapshot> {
    while (session.snapshotting) await session.snapshotting;
    this.#dropPending(session);
    session.mode = 'snapshotting';
    this.#mirrorPending(session);
    const running = session.mirror.snapshot(session.position, { scrollback });
    session.snapshotting = running;
    try {
      return await running;
    } finally {
      session.snapshotting = null;
    }
  }

  /**
   * Streams live again after a snapshot. `afterScreen`: the snapshot went out as a screen event, which the
   * renderer acknowledges once painted; if more arrived meanwhile than the window has room for (a flood
   * reads on at tens of MB/s while the mirror serializes), it is not sent in one burst past the window,
   * where it would sit unread in the socket and reach the page after a Ctrl-C. The renderer lags instead,
   * and that screen's ack brings the next screen.
   */
  #goLive(session: Session, afterScreen = false): void {
    if (session.mode !== 'snapshotting' || session.snapshotting) return;
    session.mode = 'live';
    const held = session.held;
    session.held = [];
    const heldBytes = held.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    if (afterScreen && session.inFlight.bytes + heldBytes > FlowControl.HIGH_WATERMARK_BYTES) {
      session.mode = 'lagging';
      return;
    }
    for (const chunk of held) {
      session.pending.push(chunk);
      session.pendingBytes += chunk.byteLength;
    }
    // After an attach the page asked for everything from the replay on; after a screen it is paced again.
    this.#flush(session, afterScreen);
  }

  #get(id: string): Session {
    const session = this.#sessions.get(id);
    if (!session) {
      throw new LabdeckError('not-found', 'That terminal is closed.', { action: 'Open a new terminal tab.' });
    }
    return session;
  }
}
