import type { IpcMain } from 'electron';
import { bridgeChannels, type WireOutcome } from '../common/api/bridge.ts';
import type { CallContext } from '../common/api/contract.ts';
import { LabdeckError } from '../common/errors.ts';
import { isAppUrl } from './app-protocol.ts';

/** The renderer a call came from; also the name its terminals' events are addressed to. */
export function clientIdFor(webContentsId: number): string {
  return `wc-${webContentsId}`;
}

/** What the bridge needs of a window's WebContents (the real one satisfies it). */
export interface BridgeTarget {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  getURL(): string;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** What the bridge reads from an IpcMainInvokeEvent. */
export interface CallEventLike {
  sender: { readonly id: number };
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

export interface IpcBridgeDeps {
  dispatcher: { dispatch(name: unknown, input: unknown, context: CallContext): Promise<WireOutcome> };
  events: { subscribe(listener: (name: string, payload: unknown, clientId?: string) => void): () => void };
  log?: (message: string) => void;
}

/**
 * The main-process end of `window.labdeck`. Calls are answered only for the top frame of a Labdeck window
 * showing labdeck://app/ (never an iframe, a navigated-away page or a web contents Labdeck did not create);
 * the backend's dispatcher validates name and input. Events go to every Labdeck window, or only to the
 * window whose clientId they name (terminal output).
 */
export class IpcBridge {
  readonly #deps: IpcBridgeDeps;
  readonly #targets = new Map<number, BridgeTarget>();
  readonly #log: (message: string) => void;

  constructor(deps: IpcBridgeDeps) {
    this.#deps = deps;
    this.#log = deps.log ?? ((message) => console.warn(`[labdeck] ${message}`));
  }

  /** Makes a window's web contents a bridge client until it is destroyed; returns an explicit detach. */
  attach(target: BridgeTarget): () => void {
    this.#targets.set(target.id, target);
    const detach = (): void => {
      if (this.#targets.get(target.id) === target) this.#targets.delete(target.id);
    };
    target.once('destroyed', detach);
    return detach;
  }

  get clientCount(): number {
    return this.#targets.size;
  }

  async handleCall(event: CallEventLike, name: unknown, input: unknown): Promise<WireOutcome> {
    const refusal = this.#refuse(event);
    if (refusal) {
      this.#log(`refused ${typeof name === 'string' ? name.slice(0, 80) : 'a call'}: ${refusal}`);
      return {
        ok: false,
        error: new LabdeckError('unauthorized', 'This page may not call the Labdeck backend.', {
          action: 'Only the Labdeck window itself can use the backend; reload the window.',
        }).toApiError(),
      };
    }
    return this.#deps.dispatcher.dispatch(name, input, { clientId: clientIdFor(event.sender.id) });
  }

  deliver(name: string, payload: unknown, clientId?: string): void {
    for (const target of this.#targets.values()) {
      if (clientId !== undefined && clientIdFor(target.id) !== clientId) continue;
      if (target.isDestroyed()) {
        this.#targets.delete(target.id);
        continue;
      }
      // A window that is (somehow) not showing the app must not receive backend data.
      if (!isAppUrl(target.getURL())) continue;
      target.send(bridgeChannels.event, name, payload);
    }
  }

  /** Registers the call handler and the event subscription; the returned function undoes both. */
  install(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>): () => void {
    ipcMain.handle(bridgeChannels.call, (event, name: unknown, input: unknown) => this.handleCall(event, name, input));
    const unsubscribe = this.#deps.events.subscribe((name, payload, clientId) => this.deliver(name, payload, clientId));
    return () => {
      unsubscribe();
      ipcMain.removeHandler(bridgeChannels.call);
      this.#targets.clear();
    };
  }

  #refuse(event: CallEventLike): string | undefined {
    if (!this.#targets.has(event.sender.id)) return `web contents ${event.sender.id} is not a Labdeck window`;
    let frame: CallEventLike['senderFrame'];
    try {
      frame = event.senderFrame;
    } catch {
      frame = null;
    }
    if (frame === null || frame === undefined) return 'the sending frame is gone';
    if (frame.parent !== null) return 'the call came from a sub-frame';
    if (!isAppUrl(frame.url)) return `the sending frame shows ${String(frame.url).slice(0, 120)}`;
    return undefined;
  }
}
