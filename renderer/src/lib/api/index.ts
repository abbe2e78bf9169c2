import type { LabdeckBridge } from '../../../../electron/common/api/bridge.ts';
import { ApiClient } from './api-client.ts';
import { ipcTransport } from './ipc-transport.ts';
import { pageSocketUrl, webSocketTransport } from './ws-transport.ts';

declare global {
  interface Window {
    /** Present only in the Electron window, put there by the preload. */
    labdeck?: LabdeckBridge;
  }
}

let api: ApiClient | null = null;

/** The one API client of this window: IPC inside Electron, the loopback WebSocket in a browser. */
export function getApi(): ApiClient {
  api ??= new ApiClient(window.labdeck ? ipcTransport(window.labdeck) : webSocketTransport({ url: pageSocketUrl(window.location) }));
  return api;
}
