import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../node/course-pack/keys.ts';
import { writePack } from '../node/course-pack/pack-writer.ts';
import { resolveEnvConfig } from '../node/env/config.ts';
import { BUNDLED_PACK_DIR, courseArgument, coursePackOptions, startupCourseOptions } from './course-pack-launch.ts';

const REAL_LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../labs/1.1-kubectl-kubeconfig');

describe('opening a course pack when the app starts', () => {
  let work: string;
  beforeEach(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-launch-'));
  });
  afterEach(async () => {
    await fsp.rm(work, { recursive: true, force: true });
  });

  it('reads --course from the command line', () => {
    expect(courseArgument(['electron', '.', '--course', 'k8s.labdeck'])).toBe('k8s.labdeck');
    expect(courseArgument(['Labdeck', '--course=/tmp/k8s.labdeck'])).toBe('/tmp/k8s.labdeck');
    expect(courseArgument(['Labdeck'])).toBeUndefined();
  });

  it('asks once in a dialog with name and fingerprint, then opens the course from the pack', async () => {
    await fsp.cp(REAL_LAB, path.join(work, 'course', '1.1-kubectl-kubeconfig'), { recursive: true });
    await fsp.writeFile(path.join(work, 'course', 'course.yaml'), 'id: demo\ntitle: Demo\nversion: 1.0.0\n');
    const key = generateSigningKey('Ada');
    const file = path.join(work, 'demo.labdeck');
    await writePack({ courseDir: path.join(work, 'course'), out: file, key, imageDirs: [], environment: resolveEnvConfig({}), labdeckVersion: 'test' });

    const asked: string[] = [];
    const answering = (response: number) => ({
      showMessageBox: async (options: { message: string; detail?: string }) => {
        asked.push(`${options.message} ${options.detail?.split('\n')[1] ?? ''}`);
        return { response, checkboxChecked: false };
      },
    });
    await expect(coursePackOptions(file, path.join(work, 'data'), answering(1) as never)).rejects.toThrow(/is not trusted, so the pack was not opened/);
    const options = await coursePackOptions(file, path.join(work, 'data'), answering(0) as never);
    expect(asked).toEqual([`Open a course signed by Ada? ${key.fingerprint}`, `Open a course signed by Ada? ${key.fingerprint}`]);
    expect(options.courseTrust).toMatchObject({ kind: 'pack', publisher: 'Ada', fingerprint: key.fingerprint });
    expect(await fsp.readFile(path.join(options.labsDir, 'course.yaml'), 'utf8')).toContain('id: demo');
    await coursePackOptions(file, path.join(work, 'data'), answering(1) as never);
    expect(asked).toHaveLength(2);
  });
});

describe('which course the window starts with', () => {
  let work: string;
  beforeEach(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-startup-'));
    await fsp.cp(REAL_LAB, path.join(work, 'course', '1.1-kubectl-kubeconfig'), { recursive: true });
    await fsp.writeFile(path.join(work, 'course', 'course.yaml'), 'id: demo\ntitle: Demo\nversion: 1.0.0\n');
  });
  afterEach(async () => {
    await fsp.rm(work, { recursive: true, force: true });
  });

  const trusting = { showMessageBox: async () => ({ response: 0, checkboxChecked: false }) } as never;

  it('opens the pack an installer carries at first start, then remembers it; --course still wins', async () => {
    const key = generateSigningKey('Ada');
    const resources = path.join(work, 'resources');
    await fsp.mkdir(path.join(resources, BUNDLED_PACK_DIR), { recursive: true });
    const carried = path.join(resources, BUNDLED_PACK_DIR, 'demo.labdeck');
    await writePack({ courseDir: path.join(work, 'course'), out: carried, key, imageDirs: [], environment: resolveEnvConfig({}), labdeckVersion: 'test' });
    const dataDir = path.join(work, 'data');

    // No installer pack, nothing remembered: the course folder next to the app.
    expect(await startupCourseOptions({ argv: ['Labdeck'], dataDir, resourcesPath: path.join(work, 'nowhere'), dialog: trusting })).toEqual({});

    const first = await startupCourseOptions({ argv: ['Labdeck'], dataDir, resourcesPath: resources, dialog: trusting });
    expect(first.courseTrust).toMatchObject({ kind: 'pack', fingerprint: key.fingerprint });
    // Next start: remembered, so the carried pack is not opened (or asked about) again.
    await fsp.rm(carried);
    const asked: string[] = [];
    const recording = { showMessageBox: async (options: { message: string }) => (asked.push(options.message), { response: 0, checkboxChecked: false }) } as never;
    const second = await startupCourseOptions({ argv: ['Labdeck'], dataDir, resourcesPath: resources, dialog: recording });
    expect(second.labsDir).toBe(first.labsDir);
    expect(asked).toEqual([]);

    const other = path.join(work, 'other.labdeck');
    await fsp.writeFile(path.join(work, 'course', 'course.yaml'), 'id: other\ntitle: Other\nversion: 1.0.0\n');
    await writePack({ courseDir: path.join(work, 'course'), out: other, key, imageDirs: [], environment: resolveEnvConfig({}), labdeckVersion: 'test' });
    const given = await startupCourseOptions({ argv: ['Labdeck', '--course', other], dataDir, resourcesPath: resources, dialog: trusting });
    expect(await fsp.readFile(path.join(given.labsDir!, 'course.yaml'), 'utf8')).toContain('id: other');
  });
});
