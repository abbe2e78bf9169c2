import path from 'node:path';

export interface AppLocation {
  /** app.isPackaged */
  isPackaged: boolean;
  /** The folder holding dist/: the repo root in development, …/resources/app.asar when packaged. */
  appPath: string;
  /** process.resourcesPath: where electron-builder's extraResources land when packaged. */
  resourcesPath: string;
}

export interface AppPaths {
  /** The vite build served as labdeck://app/ (inside app.asar when packaged). */
  rendererDir: string;
  /** The sandboxed preload bundle. */
  preload: string;
  /** labs/<id>-<slug>/lab.yaml: extraResources when packaged (so instructors can read them), repo labs/ otherwise. */
  labsDir: string;
}

/** Where the shell finds its files; dist/electron/{main.js,preload.cjs} and dist/renderer sit under appPath. */
export function appPaths(location: AppLocation): AppPaths {
  return {
    rendererDir: path.join(location.appPath, 'dist', 'renderer'),
    preload: path.join(location.appPath, 'dist', 'electron', 'preload.cjs'),
    labsDir: location.isPackaged ? path.join(location.resourcesPath, 'labs') : path.join(location.appPath, 'labs'),
  };
}
