import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPaths } from './paths.ts';

describe('appPaths', () => {
  it('uses the repo in development', () => {
    const repo = path.resolve('/home/dev/labdeck');
    expect(appPaths({ isPackaged: false, appPath: repo, resourcesPath: '/usr/lib/electron/resources' })).toEqual({
      rendererDir: path.join(repo, 'dist', 'renderer'),
      preload: path.join(repo, 'dist', 'electron', 'preload.cjs'),
      labsDir: path.join(repo, 'labs'),
    });
  });

  it('reads the renderer from app.asar and labs from extraResources when packaged', () => {
    const resources = path.resolve('/opt/Labdeck/resources');
    const asar = path.join(resources, 'app.asar');
    expect(appPaths({ isPackaged: true, appPath: asar, resourcesPath: resources })).toEqual({
      rendererDir: path.join(asar, 'dist', 'renderer'),
      preload: path.join(asar, 'dist', 'electron', 'preload.cjs'),
      labsDir: path.join(resources, 'labs'),
    });
  });
});
