import { createRequire } from 'node:module';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUNDLED_PACK_DIR } from '../electron-main/course-pack-launch.ts';
import { generateSigningKey } from '../node/course-pack/keys.ts';
import { writePack } from '../node/course-pack/pack-writer.ts';
import { resolveEnvConfig } from '../node/env/config.ts';
import { stageBundledPack, STAGED_PACK_DIR } from './stage-pack.ts';

/**
 * `npm run dist` cannot run here (Electron is not downloadable), so the packaging is checked without it: the
 * configuration through electron-builder's own schema validation, and the files it would put into app.asar,
 * unpack from it, and add as resources through electron-builder's own file matchers over the real build.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
type Filter = (file: string, stat: fs.Stats) => boolean;
interface Matcher {
  from: string;
  to: string;
  patterns: string[];
  addPattern(pattern: string): void;
  createFilter(): Filter;
}
const { getFileMatchers, excludedExts, excludedNames } = require('app-builder-lib/out/fileMatcher.js') as {
  getFileMatchers(config: unknown, name: string, destination: string, options: unknown): Matcher[] | null;
  excludedExts: string;
  excludedNames: string;
};
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<Record<string, unknown>>;
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

const configFile = path.join(repoRoot, 'electron-builder.yml');
const matcherOptions = { macroExpander: (pattern: string) => pattern, customBuildOptions: {}, globalOutDir: path.join(repoRoot, 'release'), defaultSrc: repoRoot };

/** Every file under `dir` the filter lets through, as electron-builder's copyDir walks it (directories filtered too). */
async function walk(dir: string, filter: Filter, skip: (relative: string) => boolean = () => false): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const relative = path.relative(repoRoot, file).split(path.sep).join('/');
    if (skip(relative)) continue;
    const stat = await fsp.stat(file);
    if (!filter(file, stat)) continue;
    if (stat.isDirectory()) found.push(...(await walk(file, filter, skip)));
    else found.push(relative);
  }
  return found;
}

describe('electron-builder.yml (npm run dist)', () => {
  let config: Record<string, unknown>;
  beforeAll(async () => {
    config = await getConfig(repoRoot, configFile, null);
  });

  it('passes electron-builder\'s own schema validation', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds AppImage and deb, dmg for x64 and arm64, and NSIS', () => {
    const raw = parse(fs.readFileSync(configFile, 'utf8')) as {
      linux: { target: string[] };
      mac: { target: Array<{ target: string; arch: string[] }> };
      win: { target: string[] };
    };
    expect(raw.linux.target).toEqual(['AppImage', 'deb']);
    expect(raw.mac.target).toEqual([{ target: 'dmg', arch: ['x64', 'arm64'] }]);
    expect(raw.win.target).toEqual(['nsis']);
    expect(config.asar).toBe(true);
  });

  it('unpacks every native part of node-pty from app.asar (dlopen cannot read inside it)', async () => {
    const [unpack] = getFileMatchers(config, 'asarUnpack', repoRoot, matcherOptions) ?? [];
    expect(unpack).toBeDefined();
    const filter = unpack!.createFilter();
    const nativeParts = (await walk(path.join(repoRoot, 'node_modules', 'node-pty'), () => true)).filter((file) => file.endsWith('.node'));
    expect(nativeParts).toContain('node_modules/node-pty/build/Release/pty.node');
    for (const part of nativeParts) expect(filter(path.join(repoRoot, part), fs.statSync(path.join(repoRoot, part))), part).toBe(true);
    // The rest of the app stays packed.
    const main = path.join(repoRoot, 'dist/electron/main.js');
    if (fs.existsSync(main)) expect(filter(main, fs.statSync(main))).toBe(false);
  });

  it('packs main, preload and renderer from the build, and no sources, tests or source maps', async () => {
    const [files] = getFileMatchers(config, 'files', repoRoot, matcherOptions) ?? [];
    expect(files).toBeDefined();
    // The defaults electron-builder adds to the app's own patterns (getMainFileMatchers): production
    // node_modules are collected separately, the output folder and junk are never packed.
    files!.addPattern('!**/node_modules/**');
    files!.addPattern('!release{,/**/*}');
    files!.addPattern(`!**/*.{${excludedExts},pdb}`);
    files!.addPattern('!**/._*');
    files!.addPattern('!**/electron-builder.{yaml,yml,json,json5,toml,ts}');
    files!.addPattern(`!**/{${excludedNames}}`);
    if (!fs.existsSync(path.join(repoRoot, 'dist/electron/main.js'))) throw new Error('There is no build in dist/: run `npm run build` first (npm test does).');
    const packed = await walk(repoRoot, files!.createFilter(), (relative) => ['node_modules', '.git', 'release'].includes(relative));
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/renderer/index.html']));
    expect(packed.some((file) => file.startsWith('dist/renderer/assets/') && file.endsWith('.js'))).toBe(true);
    const unwanted = packed.filter((file) => /\.test\.|\.spec\.|\.map$|\.svelte$|(?<!\.d)\.ts$/.test(file) || /^(electron|renderer|e2e|labs)\//.test(file) || file.startsWith('dist/bundled-pack/'));
    expect(unwanted).toEqual([]);
  });

  it('carries the staged course pack as resources/course-pack/*.labdeck, where the app looks at first start', () => {
    const matchers = getFileMatchers(config, 'extraResources', '/resources', matcherOptions) ?? [];
    const pack = matchers.find((matcher) => matcher.from === path.join(repoRoot, STAGED_PACK_DIR));
    expect(pack).toBeDefined();
    expect(pack!.to).toBe(path.join('/resources', BUNDLED_PACK_DIR));
    expect(pack!.patterns).toEqual(['*.labdeck']);
    const labs = matchers.find((matcher) => matcher.from === path.join(repoRoot, 'labs'));
    expect(labs?.patterns).toContain('!**/*.test.ts');
  });
});

describe('staging LABDECK_BUNDLED_PACK (electron/build/stage-pack.ts)', () => {
  let work: string;
  let pack: string;
  beforeAll(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-stage-'));
    await fsp.cp(path.join(repoRoot, 'labs/1.1-kubectl-kubeconfig'), path.join(work, 'course', '1.1-kubectl-kubeconfig'), { recursive: true });
    await fsp.writeFile(path.join(work, 'course', 'course.yaml'), 'id: demo\ntitle: Demo\nversion: 1.0.0\n');
    pack = path.join(work, 'demo.labdeck');
    await writePack({ courseDir: path.join(work, 'course'), out: pack, key: generateSigningKey('Ada'), imageDirs: [], environment: resolveEnvConfig({}), labdeckVersion: 'test' });
  });
  afterAll(async () => {
    await fsp.rm(work, { recursive: true, force: true });
  });

  it('copies a verified pack, empties the folder without one, and refuses a damaged one', async () => {
    const root = path.join(work, 'repo');
    const staged = await stageBundledPack({ repoRoot: root, pack, log: () => undefined });
    expect(staged).toBe(path.join(root, STAGED_PACK_DIR, 'demo.labdeck'));
    expect(await fsp.readdir(path.join(root, STAGED_PACK_DIR))).toEqual(['demo.labdeck']);

    expect(await stageBundledPack({ repoRoot: root, pack: undefined, log: () => undefined })).toBeUndefined();
    expect(await fsp.readdir(path.join(root, STAGED_PACK_DIR))).toEqual([]);

    const damaged = path.join(work, 'damaged.labdeck');
    const bytes = await fsp.readFile(pack);
    bytes[bytes.length - 2048] = bytes[bytes.length - 2048]! ^ 0xff;
    await fsp.writeFile(damaged, bytes);
    await expect(stageBundledPack({ repoRoot: root, pack: damaged, log: () => undefined })).rejects.toThrow(/cannot go into an installer|damaged/);
  });
});
