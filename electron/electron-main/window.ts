import { BrowserWindow, nativeTheme } from 'electron';
import { APP_ENTRY_URL } from './app-protocol.ts';

/**
 * The one Labdeck window. The page runs sandboxed in an isolated context with no Node.js; everything it
 * can do goes through `window.labdeck` (preload) to the backend's dispatcher.
 */
export function createMainWindow(options: { preload: string }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Labdeck',
    show: false,
    // The page's --bg (renderer/src/styles/theme.css), so a dark desktop does not flash white on start.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#0e131b' : '#f4f6fa',
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // Middle-click would otherwise try to open links in a new window (refused anyway by setWindowOpenHandler).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY_URL);
  return window;
}
