import type { LabdeckBridge } from '../../../../electron/common/api/bridge.ts';
import { missingTokenMessage, rememberTabSecret, takeCredential } from './access-token.ts';
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

/** The browser shell was opened without its access token; the page shows the message instead of the app. */
export class MissingAccessTokenError extends Error {
  constructor() {
    super(missingTokenMessage);
    this.name = 'MissingAccessTokenError';
  }
}

/** The one API client of this window: IPC inside Electron, the loopback WebSocket in a browser. */
export function getApi(): ApiClient {
  api ??= new ApiClient(window.labdeck ? ipcTransport(window.labdeck) : browserTransport());
  return api;
}

function browserTransport() {
  const page = { location: window.location, history: window.history, storage: sessionStorageIfAllowed() };
  const credential = takeCredential(page);
  if (credential === null) throw new MissingAccessTokenError();
  return webSocketTransport({ url: pageSocketUrl(window.location), credential, onTabSecret: (secret) => rememberTabSecret(page, secret) });
}

function sessionStorageIfAllowed(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}
