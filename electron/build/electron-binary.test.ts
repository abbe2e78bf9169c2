import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './bundle.ts';
import { ensureElectron, findElectronBinary } from './electron-binary.ts';
import { isUpToDate } from './freshness.ts';

const temps: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'labdeck-start-'));
  temps.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('npm start without the Electron binary', () => {
  it('runs the electron package installer once and, when the download fails, points to npm run web with the reason', async () => {
    const lines: string[] = [];
    let installerText = '';
    // The real installer (node_modules/electron/install.js) against a mirror nobody listens on; an empty
    // cache so no earlier download can satisfy it, and a dist path that does not exist so it never
    // counts as installed, even on a laptop that has Electron.
    const cache = temp();
    const result = await ensureElectron({
      env: {
        ...process.env,
        ELECTRON_MIRROR: 'http://127.0.0.1:9/',
        electron_config_cache: cache,
        ELECTRON_OVERRIDE_DIST_PATH: path.join(cache, 'no-such-dist'),
        ELECTRON_SKIP_BINARY_DOWNLOAD: '',
        HTTPS_PROXY: '',
        HTTP_PROXY: '',
        https_proxy: '',
        http_proxy: '',
      },
      installerOutput: 'capture',
      installerText: (text) => (installerText = text),
      log: (line) => lines.push(line),
      find: () => ({ missing: 'the Electron binary has not been downloaded yet' }),
    });

    expect(lines.join('\n')).toMatch(/downloading it once .*from http:\/\/127\.0\.0\.1:9\//);
    expect('fallback' in result && result.fallback).toBeTruthy();
    const message = 'fallback' in result ? result.fallback : '';
    expect(message).toContain('Electron is missing');
    expect(message).toContain('download of Electron v');
    expect(message).toContain('from http://127.0.0.1:9/ failed');
    expect(message).toContain('npm run web');
    // What failed, in one line, and no stack trace of the downloader's internals ahead of the message.
    expect(installerText).toMatch(/^Electron's installer: \w*Error: /m);
    expect(installerText).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('does not download when the binary is there', async () => {
    const result = await ensureElectron({ find: () => ({ path: '/opt/electron' }), log: () => expect.fail('nothing to say') });
    expect(result).toEqual({ path: '/opt/electron', downloaded: false });
  });

  it('falls back at once when downloads are switched off', async () => {
    const result = await ensureElectron({
      env: { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
      find: () => ({ missing: 'the Electron binary has not been downloaded yet' }),
      log: () => expect.fail('must not start a download'),
    });
    expect('fallback' in result ? result.fallback : '').toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD is set[\s\S]*npm run web/);
  });

  it('reads the binary location the way the electron package does', () => {
    const pkg = temp();
    expect(findElectronBinary(pkg)).toEqual({ missing: expect.stringContaining('not installed') });
    writeFileSync(path.join(pkg, 'package.json'), '{"version":"1.0.0"}');
    expect(findElectronBinary(pkg)).toEqual({ missing: 'the Electron binary has not been downloaded yet' });
    writeFileSync(path.join(pkg, 'path.txt'), 'electron');
    mkdirSync(path.join(pkg, 'dist'));
    writeFileSync(path.join(pkg, 'dist', 'electron'), '');
    expect(findElectronBinary(pkg)).toEqual({ path: path.join(pkg, 'dist', 'electron') });
  });

  it('keeps npm ci offline-safe: the electron install script stays denied', async () => {
    const pkg = (await import(path.join(repoRoot, 'package.json'), { with: { type: 'json' } })) as { default: { allowScripts: Record<string, boolean> } };
    expect(pkg.default.allowScripts.electron).toBe(false);
  });
});

describe('npm start skips builds that are up to date', () => {
  it('rebuilds when an input is newer than the output or the output is missing', () => {
    const dir = temp();
    const input = path.join(dir, 'src', 'a.ts');
    const output = path.join(dir, 'out.js');
    mkdirSync(path.dirname(input));
    writeFileSync(input, '');
    expect(isUpToDate([output], [path.join(dir, 'src')])).toBe(false);
    writeFileSync(output, '');
    utimesSync(input, 1000, 1000);
    utimesSync(output, 2000, 2000);
    expect(isUpToDate([output], [path.join(dir, 'src')])).toBe(true);
    utimesSync(input, 3000, 3000);
    expect(isUpToDate([output], [path.join(dir, 'src')])).toBe(false);
  });
});
