import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.ts';

// Runs sandboxed (bundled to dist/electron/preload.cjs): the page sees `window.labdeck` and nothing else.
contextBridge.exposeInMainWorld('labdeck', createBridge(ipcRenderer));
