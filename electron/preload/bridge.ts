import { bridgeChannels, type LabdeckBridge, type WireOutcome } from '../common/api/bridge.ts';
import { isCallName, isEventName } from './contract-names.ts';
import type { ApiError } from '../common/errors.ts';

/**
 * The part of Electron's `ipcRenderer` the bridge uses. Kept structural so the bridge is tested with a fake
 * and never has to load Electron; the real `ipcRenderer` satisfies it.
 */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * Builds what the preload exposes as `window.labdeck`. The page gets two functions and nothing of
 * Electron: only contract call names reach IPC, only contract event names reach listeners, and the
 * IpcRendererEvent (which carries `sender`, i.e. ipcRenderer itself) is never handed to page code.
 */
export function createBridge(ipc: IpcRendererLike): LabdeckBridge {
  return {
    async call(name: string, input: unknown): Promise<WireOutcome> {
      if (!isCallName(name)) {
        return failure('unknown-call', `There is no call named ${JSON.stringify(String(name)).slice(0, 80)}.`, 'The window and the backend come from different Labdeck versions; restart Labdeck.');
      }
      let answer: unknown;
      try {
        answer = await ipc.invoke(bridgeChannels.call, name, input);
      } catch (error) {
        // ipcRenderer.invoke rejects when the main process has no handler or the arguments cannot be cloned.
        const message = error instanceof Error ? error.message : String(error);
        return failure('internal', `${name} could not reach the Labdeck backend: ${message}`, 'Restart Labdeck; if it happens again, report it with the steps that led here.');
      }
      if (!isWireOutcome(answer)) {
        return failure('invalid-response', `${name} produced an answer that is not a call outcome.`, 'This is a Labdeck bug; restart Labdeck and report it.');
      }
      return answer;
    },

    onEvent(listener: (name: string, payload: unknown) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('labdeck.onEvent needs a function');
      const forward = (_event: unknown, name?: unknown, payload?: unknown): void => {
        if (isEventName(name)) listener(name, payload);
      };
      ipc.on(bridgeChannels.event, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(bridgeChannels.event, forward);
      };
    },
  };
}

function isWireOutcome(value: unknown): value is WireOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const outcome = value as { ok?: unknown; error?: unknown };
  if (outcome.ok === true) return 'value' in outcome;
  return outcome.ok === false && typeof outcome.error === 'object' && outcome.error !== null;
}

function failure(code: string, message: string, action: string): WireOutcome {
  const error: ApiError = { name: 'LabdeckError', code, message, action };
  return { ok: false, error };
}
