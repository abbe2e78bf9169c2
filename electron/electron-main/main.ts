import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron';
import type { Backend } from '../node/backend/create-backend.ts';
import { createCourseBackend } from '../node/backend/course-backend.ts';
import { defaultDataDir } from '../node/data-dir.ts';
import { contentSecurityPolicy } from '../common/csp.ts';
import { isAllowedExternalUrl } from '../common/external-links.ts';
import { appMenuTemplate } from './app-menu.ts';
import { startupCourseOptions } from './course-pack-launch.ts';
import { APP_SCHEME, appSchemePrivileges, createAppProtocolHandler } from './app-protocol.ts';
import { IpcBridge } from './ipc-bridge.ts';
import { appPaths } from './paths.ts';
import { installSecurityRestrictions, restrictSession } from './security-restrictions.ts';
import { createMainWindow } from './window.ts';

// Everything here runs before `ready`: sandbox every renderer, make labdeck:// a real origin, and lock
// down every web contents the moment it exists.
app.enableSandbox();
protocol.registerSchemesAsPrivileged([appSchemePrivileges]);

async function openExternal(url: string): Promise<void> {
  // The backend checks too (app.openExternal); this is the last gate before the OS sees the URL.
  if (!isAllowedExternalUrl(url)) throw new Error(`refused to open ${url}`);
  await shell.openExternal(url);
}

installSecurityRestrictions({ app, openInBrowser: openExternal });

/** "Open course…" in the window: the native open dialog, so the page never names a path itself. */
async function pickCourseFile(): Promise<string | undefined> {
  const options: Electron.OpenDialogOptions = {
    title: 'Open a Labdeck course',
    buttonLabel: 'Open course',
    filters: [{ name: 'Labdeck course pack', extensions: ['labdeck'] }],
    properties: ['openFile'],
  };
  const result = mainWindow && !mainWindow.isDestroyed() ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? undefined : result.filePaths[0];
}

/** "Choose folder…" in the class view: the native folder dialog, so the page never types a path. */
async function pickReportsFolder(): Promise<string | undefined> {
  const options: Electron.OpenDialogOptions = {
    title: 'Choose the folder with the attendees\' reports',
    buttonLabel: 'Show the class',
    properties: ['openDirectory'],
  };
  const result = mainWindow && !mainWindow.isDestroyed() ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? undefined : result.filePaths[0];
}

let backend: Backend | undefined;
let closeBridge: (() => void) | undefined;
let mainWindow: BrowserWindow | undefined;
let quitting = false;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (quitting || !backend) return;
    // Stop terminals and checks and flush progress before the process goes away.
    event.preventDefault();
    quitting = true;
    closeBridge?.();
    const done = backend.dispose().catch((error: unknown) => console.error('[labdeck] shutdown failed:', error));
    void done.finally(() => app.quit());
  });
  app.whenReady().then(start, (error: unknown) => fail(error));
}

async function start(): Promise<void> {
  try {
    // dist/electron/main.js → the folder holding dist/ (repo or app.asar), however Electron was pointed at
    // the app (`electron .`, `electron dist/electron/main.js`, packaged). Not app.getAppPath(): for a file
    // argument that is the file's own folder.
    const appRoot = path.resolve(import.meta.dirname, '../..');
    const paths = appPaths({ isPackaged: app.isPackaged, appPath: appRoot, resourcesPath: process.resourcesPath });
    restrictSession(session.defaultSession);
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        appMenuTemplate({
          platform: process.platform,
          isPackaged: app.isPackaged,
          openDocs: (url) => void openExternal(url).catch((error: unknown) => console.error('[labdeck] could not open', url, error)),
        }),
      ),
    );
    protocol.handle(
      APP_SCHEME,
      createAppProtocolHandler({ root: paths.rendererDir, contentSecurityPolicy: contentSecurityPolicy(), readFile: (file) => readFile(file) }),
    );
    const dataDir = defaultDataDir();
    const course = await startupCourseOptions({ argv: process.argv, dataDir, resourcesPath: app.isPackaged ? process.resourcesPath : undefined, dialog });
    backend = await createCourseBackend({ shell: 'electron', labsDir: paths.labsDir, dataDir, openExternal, pickCourseFile, pickReportsFolder, ...course });
    const bridge = new IpcBridge({ dispatcher: backend.dispatcher, events: backend.events });
    closeBridge = bridge.install(ipcMain);
    mainWindow = createMainWindow({ preload: paths.preload });
    bridge.attach(mainWindow.webContents);
  } catch (error) {
    fail(error);
  }
}

function fail(error: unknown): void {
  console.error('[labdeck] could not start:', error);
  dialog.showErrorBox('Labdeck could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
}
