import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callNames } from '../../common/api/contract.ts';
import { generateSigningKey } from '../course-pack/keys.ts';
import { writePack } from '../course-pack/pack-writer.ts';
import { readRememberedCourse } from '../course-pack/remembered-course.ts';
import { resolveEnvConfig } from '../env/config.ts';
import { createCourseBackend } from './course-backend.ts';
import type { Backend } from './create-backend.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('opening a course from inside the app (course.*)', () => {
  let work: string;
  let backend: Backend | undefined;
  beforeEach(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-course-backend-'));
  });
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
    await fsp.rm(work, { recursive: true, force: true });
  });

  async function demoPack(): Promise<{ file: string; fingerprint: string }> {
    await fsp.cp(path.join(REPO, 'labs/1.1-kubectl-kubeconfig'), path.join(work, 'course', '1.1-kubectl-kubeconfig'), { recursive: true });
    await fsp.writeFile(path.join(work, 'course', 'course.yaml'), 'id: demo\ntitle: Demo course\nversion: 2.0.0\n');
    const key = generateSigningKey('Ada');
    const file = path.join(work, 'demo.labdeck');
    await writePack({ courseDir: path.join(work, 'course'), out: file, key, imageDirs: [], environment: resolveEnvConfig({}), labdeckVersion: 'test' });
    return { file, fingerprint: key.fingerprint };
  }

  const call = async (name: string, input: unknown) => {
    const outcome = await backend!.dispatcher.dispatch(name, input, { clientId: 'test' });
    if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), outcome.error);
    return outcome.value as Record<string, unknown>;
  };

  it('offers the native dialog where the shell has one, and tells the page to use its file chooser where not', async () => {
    backend = await createCourseBackend({ shell: 'electron', labsDir: path.join(REPO, 'labs'), dataDir: path.join(work, 'data'), remember: false, pickCourseFile: async () => '/media/usb/course.labdeck' });
    expect(await call('course.pick', {})).toEqual({ available: true, path: '/media/usb/course.labdeck' });
    await backend.dispose();
    backend = await createCourseBackend({ shell: 'browser', labsDir: path.join(REPO, 'labs'), dataDir: path.join(work, 'data'), remember: false });
    expect(await call('course.pick', {})).toEqual({ available: false });
  });

  it('serves every call of the contract', async () => {
    backend = await createCourseBackend({ shell: 'browser', labsDir: path.join(REPO, 'labs'), dataDir: path.join(work, 'data'), remember: false });
    expect(Object.keys(backend.handlers).sort()).toEqual([...callNames].sort());
  });

  it('shows the publisher, opens only with the fingerprint agreed to, switches the course and remembers it', async () => {
    const { file, fingerprint } = await demoPack();
    const dataDir = path.join(work, 'data');
    backend = await createCourseBackend({ shell: 'browser', labsDir: path.join(REPO, 'labs'), dataDir });
    const seen: string[] = [];
    backend.events.subscribe((name, payload) => seen.push(name === 'course.progress' ? `${name}:${(payload as { stage: string }).stage}` : name));

    expect(await call('course.inspect', { source: { path: file } })).toMatchObject({ kind: 'pack', title: 'Demo course', version: '2.0.0', publisher: { name: 'Ada', fingerprint }, trusted: false });
    await expect(call('course.open', { source: { path: file } })).rejects.toMatchObject({ message: expect.stringMatching(/key [0-9a-f ]+ \(named "Ada"\) is not trusted, so the pack was not opened/) });
    await expect(call('course.open', { source: { path: file }, trustFingerprint: 'ab'.repeat(32) })).rejects.toMatchObject({ code: 'cancelled' });
    expect((await call('app.info', {})).course).toMatchObject({ id: 'k8s-networking' });

    const opened = await call('course.open', { source: { path: file }, trustFingerprint: fingerprint });
    expect(opened).toMatchObject({ title: 'Demo course', notice: expect.stringContaining(fingerprint) });
    // The forwarded calls now answer for the new course.
    expect((await call('app.info', {})).course).toMatchObject({ id: 'demo', trust: { kind: 'pack', publisher: 'Ada', fingerprint } });
    expect(((await call('labs.list', {})) as unknown as unknown[]).length ?? 0).toBeGreaterThanOrEqual(0);
    expect(seen).toContain('course.changed');
    expect(seen).toContain('course.progress:verify');
    expect(seen.at(-2)).toBe('course.progress:done');
    // Trusted once: the next inspection says so, and the next start opens it without asking.
    expect(await call('course.inspect', { source: { path: file } })).toMatchObject({ trusted: true });
    expect(await readRememberedCourse(dataDir)).toMatchObject({ trust: { kind: 'pack', fingerprint }, courseDir: expect.stringContaining(path.join(dataDir, 'courses')) });
  });

  it('says when a pack is an older version of the course open now, and opens it only when asked to (issue 21)', async () => {
    const { file: newer, fingerprint } = await demoPack();
    await fsp.writeFile(path.join(work, 'course', 'course.yaml'), 'id: demo\ntitle: Demo course\nversion: 1.10.0\n');
    const older = path.join(work, 'demo-older.labdeck');
    await fsp.rm(path.join(work, 'demo.labdeck.partial'), { force: true });
    const key = generateSigningKey('Ada');
    await writePack({ courseDir: path.join(work, 'course'), out: older, key, imageDirs: [], environment: resolveEnvConfig({}), labdeckVersion: 'test' });
    backend = await createCourseBackend({ shell: 'browser', labsDir: path.join(REPO, 'labs'), dataDir: path.join(work, 'data'), remember: false });
    // Another course is open: nothing to compare with.
    expect(await call('course.inspect', { source: { path: older } })).not.toHaveProperty('olderThan');
    await call('course.open', { source: { path: newer }, trustFingerprint: fingerprint });
    expect(await call('course.inspect', { source: { path: older } })).toMatchObject({ version: '1.10.0', olderThan: '2.0.0' });
    await expect(call('course.open', { source: { path: older }, trustFingerprint: key.fingerprint })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/holds version 1\.10\.0 of Demo course, older than version 2\.0\.0 open now/),
    });
    // Still the newer course: the older pack is still older than what is open.
    expect(await call('course.inspect', { source: { path: older } })).toMatchObject({ olderThan: '2.0.0' });
    await call('course.open', { source: { path: older }, trustFingerprint: key.fingerprint, allowOlder: true });
    expect(await call('course.inspect', { source: { path: older } })).not.toHaveProperty('olderThan');
    // The newer one again is no downgrade.
    expect(await call('course.inspect', { source: { path: newer } })).not.toHaveProperty('olderThan');
  });

  it('orders course versions numerically', async () => {
    const { compareCourseVersions } = await import('./course-backend.ts');
    expect(compareCourseVersions('2026.1', '2026.10')).toBe(-1);
    expect(compareCourseVersions('1.10.0', '1.9.0')).toBe(1);
    expect(compareCourseVersions('1.0', '1.0.1')).toBe(-1);
    expect(compareCourseVersions('2.0.0', '2.0.0')).toBe(0);
  });

  it('takes a pack uploaded in pieces from the page, within the announced size', async () => {
    const { file, fingerprint } = await demoPack();
    backend = await createCourseBackend({ shell: 'browser', labsDir: path.join(REPO, 'labs'), dataDir: path.join(work, 'data'), remember: false });
    const bytes = await fsp.readFile(file);
    const { uploadId } = (await call('course.uploadBegin', { name: 'demo.labdeck', size: bytes.length })) as { uploadId: string };
    await expect(call('course.inspect', { source: { uploadId } })).rejects.toMatchObject({ message: expect.stringMatching(/incomplete/) });
    const piece = 500 * 1024;
    for (let offset = 0; offset < bytes.length; offset += piece) {
      await call('course.uploadChunk', { uploadId, offset, data: bytes.subarray(offset, offset + piece).toString('base64') });
    }
    await expect(call('course.uploadChunk', { uploadId, offset: bytes.length, data: 'AAAA' })).rejects.toMatchObject({ message: expect.stringMatching(/larger than/) });
    expect(await call('course.inspect', { source: { uploadId } })).toMatchObject({ kind: 'pack', fileName: 'demo.labdeck' });
    expect(await call('course.open', { source: { uploadId }, trustFingerprint: fingerprint })).toMatchObject({ title: 'Demo course' });
    await expect(call('course.uploadBegin', { name: 'huge.labdeck', size: 64 * 1024 ** 3 })).rejects.toMatchObject({ code: 'invalid-request' });
  });

  it('says plainly that a course folder is trusted like code, and opens it only once the attendee agrees', async () => {
    backend = await createCourseBackend({ shell: 'browser', labsDir: path.join(REPO, 'labs'), dataDir: path.join(work, 'data'), remember: false });
    const dir = path.join(REPO, 'labs');
    expect(await call('course.inspect', { source: { path: dir } })).toMatchObject({ kind: 'folder', notice: expect.stringMatching(/trusts it like code/) });
    await expect(call('course.open', { source: { path: dir } })).rejects.toMatchObject({ message: expect.stringMatching(/trusts it like code/) });
    expect(await call('course.open', { source: { path: dir }, trustFolder: true })).toMatchObject({ notice: expect.stringMatching(/trusts it like code/) });
  });

  it('refuses a damaged pack and names what is wrong', async () => {
    const { file } = await demoPack();
    const bytes = await fsp.readFile(file);
    const at = bytes.indexOf('kubeconfig');
    bytes[at] = bytes[at]! ^ 1;
    await fsp.writeFile(file, bytes);
    backend = await createCourseBackend({ shell: 'browser', labsDir: path.join(REPO, 'labs'), dataDir: path.join(work, 'data'), remember: false });
    await expect(call('course.inspect', { source: { path: file } })).rejects.toMatchObject({ message: expect.stringMatching(/damaged/), action: expect.stringMatching(/again/) });
  });
});
