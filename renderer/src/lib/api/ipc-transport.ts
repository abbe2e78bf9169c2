import type { LabdeckBridge } from '../../../../electron/common/api/bridge.ts';
import type { Transport } from './transport.ts';

/** Electron: the preload's bridge. IPC to the main process does not drop, so the connection is always open. */
export function ipcTransport(bridge: LabdeckBridge): Transport {
  return {
    send: (name, input) => bridge.call(name, input),
    onEvent: (listener) => bridge.onEvent(listener),
    onConnection(listener) {
      listener('open');
      return () => undefined;
    },
  };
}
