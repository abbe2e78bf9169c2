import { describe, expect, it, vi } from 'vitest';
import { bridgeChannels } from '../../../../electron/common/api/bridge.ts';
import { createBridge, type IpcRendererLike } from '../../../../electron/preload/bridge.ts';
import { ApiClient } from './api-client.ts';
import { ipcTransport } from './ipc-transport.ts';

/** ipcRenderer as the preload sees it; `fromMain` delivers what main's webContents.send would. */
function fakeIpc() {
  const listeners = new Set<(event: unknown, ...args: unknown[]) => void>();
  const ipc: IpcRendererLike = {
    invoke: async () => ({ ok: true, value: {} }),
    on: (channel, listener) => channel === bridgeChannels.event && listeners.add(listener),
    removeListener: (_channel, listener) => listeners.delete(listener),
  };
  // Electron's IPC copies arguments by structured clone: main's Buffer arrives as a plain Uint8Array.
  const fromMain = (...args: unknown[]) => listeners.forEach((listener) => listener({}, ...structuredClone(args)));
  return { ipc, fromMain };
}

describe('Electron IPC transport', () => {
  it('carries terminal output as bytes (no base64) through the preload, checked by the event schema', () => {
    const { ipc, fromMain } = fakeIpc();
    const client = new ApiClient(ipcTransport(createBridge(ipc)));
    const received: Uint8Array[] = [];
    client.on('terminal.data', (event) => received.push(event.data));
    fromMain('terminal.data', { id: 't1', data: Buffer.from('grüße\r\n'), seq: 9 });
    expect(received).toHaveLength(1);
    // Of another realm here, as in Electron's page: the schema must not depend on instanceof.
    expect(Object.prototype.toString.call(received[0])).toBe('[object Uint8Array]');
    expect(new TextDecoder().decode(received[0])).toBe('grüße\r\n');
  });

  it('drops terminal output that is not bytes, as it drops any malformed event', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { ipc, fromMain } = fakeIpc();
      const client = new ApiClient(ipcTransport(createBridge(ipc)));
      const received: unknown[] = [];
      client.on('terminal.data', (event) => received.push(event));
      fromMain('terminal.data', { id: 't1', data: 'aGk=', seq: 1 });
      fromMain('terminal.data', { id: '../t1', data: new Uint8Array([1]), seq: 1 });
      expect(received).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      warn.mockRestore();
    }
  });
});
