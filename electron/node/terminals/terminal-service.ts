import { randomBytes } from 'node:crypto';
import type { EventSink } from '../../common/api/contract.ts';
import type { TerminalSession, TerminalTarget } from '../../common/api/terminal.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ClusterAccess, InteractiveProcess, LabContainers } from '../backend/ports.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { FlowControl, InFlight } from './flow-control.ts';
import { HostCommandRecorder } from './host-command-recorder.ts';
import { NodeCommandRecorder, nodeShellArgv } from './node-command-recorder.ts';
import { spawnHostShell, type SpawnHostShell } from './host-shell.ts';
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

/**
 * What reaches the renderer: `live` streams output as it arrives; `lagging` sends nothing (the renderer
 * is more than the high watermark behind) until it catches up and gets the screen; `interrupted` is a
 * Ctrl-C that dropped the backlog, waiting for the shell to go quiet; `snapshotting` holds new output
 * back while the mirror serializes the screen it is then sent after.
 */
type Mode = 'live' | 'lagging' | 'interrupted' | 'snapshotting';

interface Session {
  readonly id: string;
  readonly title: string;
  readonly target: TerminalTarget;
  readonly process: InteractiveProcess;
  readonly mirror: ScreenMirror;
  readonly inFlight: InFlight;
  /** Node and host terminals: turns their output (and a node's typed keys) into command records. */
  readonly recorder: { recorder: NodeCommandRecorder | HostCommandRecorder; decoder: TextDecoder } | undefined;
  /** The renderer that sees this shell's output; a reconnecting renderer takes it over with attach. */
  clientId: string;
  alive: boolean;
  mode: Mode;
  /** Bytes read from the shell so far; an event's seq is this position at its last byte. */
  position: number;
  pending: Uint8Array[];
  pendingBytes: number;
  flushTimer: NodeJS.Timeout | null;
  /** Output that arrived while a snapshot was being taken; it follows the snapshot. */
  held: Uint8Array[];
  /** The running snapshot, so a second one waits instead of interleaving. */
  snapshotting: Promise<unknown> | null;
  /** The source is paused because the mirror's parse backlog is too long. */
  sourcePaused: boolean;
  interruptTimer: NodeJS.Timeout | null;
  interruptedAt: number;
  /**
   * Output read but not yet given to the mirror. The mirror is fed lazily, in batches, so that of a
   * plain-text flood it only parses the lines that decide the screen (mirrorTail).
   */
  unmirrored: Uint8Array[];
  unmirroredBytes: number;
  mirrorTimer: NodeJS.Timeout | null;
  rows: number;
}

export interface OpenRequest {
  target: TerminalTarget;
  cols: number;
  rows: number;
}

/** Stops a shell and everything that was still due for it (output flushes, Ctrl-C resync, screen copy). */
function endSession(session: Session): void {
  if (session.flushTimer) clearTimeout(session.flushTimer);
  if (session.interruptTimer) clearTimeout(session.interruptTimer);
  if (session.mirrorTimer) clearTimeout(session.mirrorTimer);
  if (session.alive) session.process.kill();
  session.alive = false;
  session.mirror.dispose();
}

/**
 * Node shells and the Host terminal record their commands here (the jumphost records its own, command-log.ts):
 * a node's bash from its prompt marker and the keys typed, the host's bash or zsh from what its integration reports.
 */
function commandRecorderFor(target: TerminalTarget, shellId: number, onRecord: (record: CommandRecord) => void): Session['recorder'] {
  if (target.kind === 'node') return { recorder: new NodeCommandRecorder({ node: target.node, shellId, onRecord }), decoder: new TextDecoder() };
  if (target.kind === 'host') return { recorder: new HostCommandRecorder({ shellId, onRecord }), decoder: new TextDecoder() };
  return undefined;
}

/**
 * Shells one client may have open, and all clients together (shells outlive their connection, and a client
 * that reconnects gets a new id): a page that loops on terminal.open must not exhaust processes or memory
 * (issue 21). The terminal strip shows a handful; these limits are far above what an attendee opens.
 */
export const MAX_TERMINALS_PER_CLIENT = 16;
export const MAX_TERMINALS = 32;

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
    try {
      process = await this.#start(request);
    } finally {
      const left = (this.#starting.get(clientId) ?? 1) - 1;
      if (left > 0) this.#starting.set(clientId, left);
      else this.#starting.delete(clientId);
    }
    const restored = await this.#restored;
    const previous = restored.get(targetKey(request.target));
    restored.delete(targetKey(request.target));
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
    const restoredScreen = previous ? `${previous.screen}${RESTORED_NOTE}` : undefined;
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
        this.#flush(session);
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
    const behind = session.mode === 'lagging' || session.inFlight.bytes > FlowControl.INTERRUPT_BEHIND_BYTES;
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
    if (session.mode === 'lagging' && session.inFlight.bytes < FlowControl.LOW_WATERMARK_BYTES) void this.#resync(session);
  }

  close(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    endSession(session);
    this.#saveSoon();
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

  #flush(session: Session): void {
    if (session.flushTimer) clearTimeout(session.flushTimer);
    session.flushTimer = null;
    if (session.pendingBytes === 0) return;
    const pending = session.pending;
    const total = session.pendingBytes;
    this.#dropPending(session);
    if (!this.#sessions.has(session.id)) return;
    // Output held back during a snapshot can be megabytes (a flood read on while the mirror serialized):
    // it goes out in events of at most MAX_EVENT_BYTES, each a buffer of its own, since Electron's IPC
    // would clone a view's whole underlying buffer and the event schema bounds a chunk.
    const start = session.position - total;
    let offset = 0;
    for (const piece of pieces(pending, total, MAX_EVENT_BYTES)) {
      offset += piece.byteLength;
      session.inFlight.sent(start + offset, piece.byteLength);
      this.#events.emit('terminal.data', { id: session.id, data: piece, seq: start + offset }, session.clientId);
    }
    if (session.mode === 'live' && session.inFlight.bytes > FlowControl.HIGH_WATERMARK_BYTES) session.mode = 'lagging';
  }

  #dropPending(session: Session): void {
    if (session.flushTimer) clearTimeout(session.flushTimer);
    session.flushTimer = null;
    session.pending = [];
    session.pendingBytes = 0;
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
    this.#flush(session);
  }

  #get(id: string): Session {
    const session = this.#sessions.get(id);
    if (!session) {
      throw new LabdeckError('not-found', 'That terminal is closed.', { action: 'Open a new terminal tab.' });
    }
    return session;
  }
}

/**
 * What of `bytes` the mirror must parse to end up with the same screen. A plain-text flood (`yes`, `cat`
 * of a log, `seq`: printable characters, UTF-8, tab, CR and LF only) changes no terminal state but the
 * rows it scrolls through, so when at least twice the screen's height of whole lines follows it, every
 * visible row (and any remnant of a partly overwritten one) comes from those lines and the flood before
 * them can be skipped; `keepLines` (at least twice the rows) also keeps some scrollback. Anything with
 * escape sequences or other controls is parsed in full.
 */
export function mirrorTail(bytes: Uint8Array, keepLines: number): Uint8Array {
  let newlines = 0;
  let cut = -1;
  for (let index = bytes.byteLength - 1; index >= 0; index--) {
    if (bytes[index] === 0x0a && ++newlines > keepLines) {
      cut = index + 1;
      break;
    }
  }
  if (cut <= 0) return bytes;
  for (let index = 0; index < cut; index++) {
    const byte = bytes[index]!;
    if (byte < 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return bytes;
    if (byte === 0x7f) return bytes;
    // U+0080-U+009F in UTF-8: C1 controls, which xterm treats like their escape sequences (CSI, OSC…).
    if (byte === 0xc2 && (bytes[index + 1] ?? 0) >= 0x80 && (bytes[index + 1] ?? 0) <= 0x9f) return bytes;
  }
  return bytes.subarray(cut);
}

/** `chunks` (`total` bytes in all) regrouped into fresh buffers of at most `size` bytes. */
function* pieces(chunks: Uint8Array[], total: number, size: number): Generator<Uint8Array> {
  let piece = new Uint8Array(Math.min(size, total));
  let filled = 0;
  let left = total;
  for (const chunk of chunks) {
    for (let read = 0; read < chunk.byteLength; ) {
      const take = Math.min(piece.byteLength - filled, chunk.byteLength - read);
      piece.set(chunk.subarray(read, read + take), filled);
      filled += take;
      read += take;
      if (filled === piece.byteLength) {
        yield piece;
        left -= filled;
        if (left === 0) return;
        piece = new Uint8Array(Math.min(size, left));
        filled = 0;
      }
    }
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
