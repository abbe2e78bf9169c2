import type { EventSink } from '../../common/api/contract.ts';
import { FlowControl } from './flow-control.ts';
import { mirrorTail } from './output-backlog.ts';
import type { Snapshot } from './screen-mirror.ts';
import type { Session } from './terminal-session.ts';

/** Output is coalesced for this long so a chatty shell sends a few large events instead of many tiny ones. */
const COALESCE_MS = 5;
const MAX_EVENT_BYTES = 256 * 1024;
/** The smallest piece sent from the backlog as acknowledgements make room: fewer, larger events. */
const MIN_PACED_EVENT_BYTES = 16 * 1024;
/**
 * After a Ctrl-C that dropped the backlog, the screen is sent as soon as the terminal echoed `^C` (the
 * signal has been sent: interruptEchoed), else once the shell has been quiet this long (a program in raw
 * mode gets the key with no echo)…
 */
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

const CARET = 0x5e;
const LETTER_C = 0x43;

/**
 * Whether `chunk` completes the terminal's echo of Ctrl-C (`^C`, ECHOCTL), given whether the output before
 * it ended in `^`. The line discipline echoes it when it sends SIGINT and flushes what the program had
 * queued, so what follows is the rest of at most one write of the program's, then the shell's prompt: the
 * screen can go out at once and the prompt follow it live, instead of waiting for the shell to go quiet.
 */
export function interruptEchoed(chunk: Uint8Array, caretBefore: boolean): boolean {
  if (caretBefore && chunk[0] === LETTER_C) return true;
  for (let index = 0; index + 1 < chunk.byteLength; index++) if (chunk[index] === CARET && chunk[index + 1] === LETTER_C) return true;
  return false;
}

export interface OutputPipelineOptions {
  events: EventSink;
  /** Whether the session is still open (closed or released ones send nothing more). */
  isOpen(session: Session): boolean;
  /** Output was read from a shell (its screen is worth saving). */
  onOutput(): void;
}

/**
 * The path of a shell's output to the renderer showing it: the backend's screen mirror (fed lazily), the
 * coalescing of small chunks, the backlog paced by the renderer's acknowledgements (flow-control.ts), floods
 * replaced by screens, and Ctrl-C dropping what is queued for the renderer in favour of the current screen.
 */
export class OutputPipeline {
  readonly #events: EventSink;
  readonly #isOpen: (session: Session) => boolean;
  readonly #onOutput: () => void;

  constructor(options: OutputPipelineOptions) {
    this.#events = options.events;
    this.#isOpen = options.isOpen;
    this.#onOutput = options.onOutput;
  }

  receive(session: Session, chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (session.recorder) session.recorder.recorder.output(session.recorder.decoder.decode(chunk, { stream: true }));
    // Copy: some streams reuse their buffers after the callback returns.
    const copy = Uint8Array.prototype.slice.call(chunk);
    session.position += copy.byteLength;
    session.recent.add(copy.byteLength, Date.now());
    this.#onOutput();
    session.unmirrored.push(copy);
    session.unmirroredBytes += copy.byteLength;
    if (session.mode === 'interrupted') {
      // The `^C` echo: the signal went out; the screen goes now and the prompt follows it live.
      if (interruptEchoed(copy, session.interruptCaret)) return void this.resync(session);
      session.interruptCaret = copy[copy.byteLength - 1] === CARET;
      // What drains from the pipes after a Ctrl-C is mirrored in one go when the shell is quiet.
      if (session.unmirroredBytes > INTERRUPT_HOLD_MAX_BYTES) this.mirrorPending(session);
      this.#armInterruptTimer(session);
      return;
    }
    if (session.unmirroredBytes > LAZY_MIRROR_MAX_BYTES) this.mirrorPending(session);
    else session.mirrorTimer ??= setTimeout(() => this.mirrorPending(session), LAZY_MIRROR_MS);
    switch (session.mode) {
      case 'live':
        session.pending.push(copy);
        session.pendingBytes += copy.byteLength;
        if (session.pendingBytes >= MAX_EVENT_BYTES) this.flush(session);
        // The first output after a quiet spell (an echoed key, the prompt after a Ctrl-C's screen) goes on
        // the next turn, with whatever the same read brought; later output is coalesced for COALESCE_MS.
        else session.flushTimer ??= setTimeout(() => this.flush(session), Date.now() - session.sentAt >= COALESCE_MS ? 0 : COALESCE_MS);
        break;
      case 'snapshotting':
        session.held.push(copy);
        break;
      case 'lagging':
        // Only the mirror sees it; the renderer gets the resulting screen when it catches up.
        break;
    }
  }

  /**
   * Moves the coalesced output to the backlog and sends from it. `paced`: only while the renderer has room
   * in its window (live output); otherwise all at once (the output held during an attach's snapshot, and
   * the last output of a shell that exited).
   */
  flush(session: Session, paced = true): void {
    if (session.flushTimer) clearTimeout(session.flushTimer);
    session.flushTimer = null;
    if (session.pendingBytes > 0) {
      session.backlog.push(session.pending, session.position - session.pendingBytes);
      session.pending = [];
      session.pendingBytes = 0;
    }
    if (!this.#isOpen(session)) return session.backlog.clear();
    this.drain(session, paced);
  }

  /**
   * Sends the backlog in events of at most MAX_EVENT_BYTES (output held during a snapshot can be
   * megabytes). Paced, what does not fit in the renderer's window waits for its acknowledgements, in order
   * and whole: a `kubectl get -o yaml` of a few hundred KB reaches the scrollback in full. Only when more
   * than BACKLOG_MAX_BYTES arrived while the page was behind is it a flood: then the page lags and gets the
   * screen when it catches up.
   */
  drain(session: Session, paced = true): void {
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
      if (session.inFlight.bytes < FlowControl.LOW_WATERMARK_BYTES) setTimeout(() => session.mode === 'lagging' && void this.resync(session), 0);
    }
  }

  #sendBacklog(session: Session, paced: boolean): void {
    while (session.backlog.bytes > 0 && (!paced || session.inFlight.bytes < FlowControl.HIGH_WATERMARK_BYTES)) {
      // Paced, a piece fills the window and no more, so a Ctrl-C finds no more than the window on its way.
      const room = Math.max(FlowControl.HIGH_WATERMARK_BYTES - session.inFlight.bytes, MIN_PACED_EVENT_BYTES);
      const piece = session.backlog.take(paced ? Math.min(MAX_EVENT_BYTES, room) : MAX_EVENT_BYTES);
      const seq = session.backlog.start;
      session.inFlight.sent(seq, piece.byteLength);
      session.sentAt = Date.now();
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

  /**
   * Drops what was queued for the renderer and sends the screen once the terminal echoed the Ctrl-C or the
   * shell stopped printing.
   */
  interrupt(session: Session): void {
    if (session.mode === 'snapshotting') return;
    this.#dropPending(session);
    session.mode = 'interrupted';
    session.interruptedAt = Date.now();
    session.interruptCaret = false;
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
        void this.resync(session);
      },
      Math.max(0, Math.min(INTERRUPT_QUIET_MS, left)),
    );
  }

  /** The source may resume once the mirror has parsed down to its low mark. */
  #mirrorProgressed(session: Session): void {
    if (session.sourcePaused && session.mirror.unparsedBytes < FlowControl.MIRROR_LOW_BYTES) {
      session.sourcePaused = false;
      if (session.alive) session.process.resume();
      if (session.mode === 'interrupted') this.#armInterruptTimer(session);
    }
  }

  /** Hands the output read so far to the mirror (of a plain-text flood only its tail: mirrorTail). */
  mirrorPending(session: Session): void {
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
  async resync(session: Session): Promise<void> {
    if (session.mode === 'snapshotting') return;
    if (session.interruptTimer) clearTimeout(session.interruptTimer);
    session.interruptTimer = null;
    const interrupted = session.mode === 'interrupted';
    this.mirrorPending(session);
    const snapshot = await this.snapshot(session, false);
    if (this.#isOpen(session)) {
      // After a Ctrl-C the page drops, unparsed, whatever came before this screen (renderer output-queue.ts):
      // the window counts from the screen, so the prompt that follows it goes out without waiting for an ack.
      if (interrupted) session.inFlight.reset();
      session.inFlight.sent(snapshot.seq, snapshot.screen.length);
      this.#events.emit('terminal.screen', { id: session.id, screen: snapshot.screen, seq: snapshot.seq }, session.clientId);
    }
    this.goLive(session, true);
  }

  /** Serializes the mirror at the current position; output arriving meanwhile is held for afterwards. */
  async snapshot(session: Session, scrollback: boolean): Promise<Snapshot> {
    while (session.snapshotting) await session.snapshotting;
    this.#dropPending(session);
    session.mode = 'snapshotting';
    this.mirrorPending(session);
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
  goLive(session: Session, afterScreen = false): void {
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
    this.flush(session, afterScreen);
  }
}
