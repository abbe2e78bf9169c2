import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../node/course-pack/keys.ts';
import { writePack } from '../node/course-pack/pack-writer.ts';
import { resolveEnvConfig } from '../node/env/config.ts';
import { courseArgument, coursePackOptions } from './course-pack-launch.ts';

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
    await fsp.writeFile(path.join(work, 'course', 'course.yaml'), 'id: demo\ntitle: Demo\n');
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
