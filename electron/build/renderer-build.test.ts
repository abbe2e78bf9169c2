import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from './renderer-build.ts';

// `npm run web` and `npm start` skip the ~12 s renderer build when nothing changed since the last one.
describe('ensureRendererBuilt', () => {
  let root: string;
  let builds: number;
  const build = () => {
    builds++;
    return 0;
  };
  const at = (file: string, seconds: number) => utimes(path.join(root, file), seconds, seconds);

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'labdeck-renderer-build-'));
    builds = 0;
    await mkdir(path.join(root, 'renderer/src'), { recursive: true });
    await writeFile(path.join(root, 'renderer/src/App.svelte'), '<p>app</p>');
    await writeFile(path.join(root, 'vite.config.ts'), 'export default {}');
    await at('renderer/src/App.svelte', 1_000);
    await at('vite.config.ts', 1_000);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('builds when there is no build yet', () => {
    expect(ensureRendererBuilt(root, { build, log: () => undefined })).toBe(0);
    expect(builds).toBe(1);
  });

  it('skips the build when it is newer than every input, and builds again after an input changed', async () => {
    await mkdir(path.join(root, 'dist/renderer'), { recursive: true });
    await writeFile(path.join(root, 'dist/renderer/index.html'), '<html></html>');
    await at('dist/renderer/index.html', 2_000);
    const lines: string[] = [];
    ensureRendererBuilt(root, { build, log: (line) => lines.push(line) });
    expect(builds).toBe(0);
    expect(lines).toEqual(['Renderer build is up to date (dist/renderer).']);

    await at('renderer/src/App.svelte', 3_000);
    ensureRendererBuilt(root, { build, log: () => undefined });
    expect(builds).toBe(1);
  });

  it('passes on a failed build', () => {
    expect(ensureRendererBuilt(root, { build: () => 2, log: () => undefined })).toBe(2);
  });
});
