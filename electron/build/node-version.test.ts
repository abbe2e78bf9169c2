import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distNodeProblem, distNodeVersion, nodeAtLeast } from './node-version.ts';

const root = path.resolve(import.meta.dirname, '../..');
const json = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;

describe('the Node version each command needs', () => {
  it('compares versions as numbers', () => {
    expect(nodeAtLeast('20.19.0', '20.19.0')).toBe(true);
    expect(nodeAtLeast('v20.20.2', '22.12.0')).toBe(false);
    expect(nodeAtLeast('22.12.0', '22.12.0')).toBe(true);
    expect(nodeAtLeast('24.1.0', '22.12.0')).toBe(true);
    expect(nodeAtLeast('22.9.0', '22.12.0')).toBe(false);
  });

  it('says before npm run dist starts that it needs a newer Node, and why', () => {
    expect(distNodeProblem('20.20.2')).toMatch(/npm run dist needs Node 22\.12\.0 or newer; this is Node 20\.20\.2/);
    expect(distNodeProblem('22.12.0')).toBeNull();
    expect((json('package.json').scripts as Record<string, string>).dist).toMatch(/^tsx electron\/build\/node-version\.ts && /);
  });

  it('matches what the installed build dependencies ask for (the warnings npm ci prints)', () => {
    // The packages behind `npm ci`'s engine warnings on Node 20: only electron-builder's rebuild path.
    for (const name of ['@electron/rebuild', 'node-abi']) {
      const engines = (json(`node_modules/${name}/package.json`).engines ?? {}) as { node?: string };
      expect(engines.node, name).toBe(`>=${distNodeVersion}`);
    }
    // Everything that runs, builds the renderer or tests accepts the engines range package.json states.
    expect((json('package.json').engines as { node: string }).node).toBe('>=20.19');
    for (const name of ['vite', '@sveltejs/vite-plugin-svelte', 'jsdom']) {
      expect((json(`node_modules/${name}/package.json`).engines as { node: string }).node, name).toMatch(/\^20\.19/);
    }
  });
});
