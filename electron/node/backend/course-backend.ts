import fsp from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { callNames, type CallHandlers, type CallName } from '../../common/api/contract.ts';
import type { CourseInspection, CourseOpenResult, CourseProgress, CourseSource } from '../../common/api/course.ts';
import { LabdeckError } from '../../common/errors.ts';
import { folderCourseTrust, packCourseTrust, type CourseTrust } from '../course-pack/course-trust.ts';
import { CourseUploads } from '../course-pack/course-uploads.ts';
import { sameFingerprint } from '../course-pack/keys.ts';
import { dockerArch, hostBundleDir, openPack } from '../course-pack/open-pack.ts';
import { loadPackImages, packImagesFor } from '../course-pack/pack-images.ts';
import { describeVerification, verifyPack } from '../course-pack/pack-reader.ts';
import { rememberCourse } from '../course-pack/remembered-course.ts';
import { TrustStore } from '../course-pack/trust-store.ts';
import { createDockerClient } from '../env/docker-client.ts';
import { courseVersion } from '../course-format/lab-schema.ts';
import { LabCatalog, loadCourse } from '../labs/lab-catalog.ts';
import { ClassWatch, gradeFiles } from '../reports/class-watch.ts';
import { createBackend, courseSwitcherCalls, type Backend, type BackendOptions, type CourseSwitcherCall } from './create-backend.ts';
import { Dispatcher } from './dispatcher.ts';
import { EventHub } from './events.ts';

export interface CourseBackendOptions extends Omit<BackendOptions, 'events'> {
  /** The native "Open course" dialog (Electron); absent in the browser shell, whose page uploads the file. */
  pickCourseFile?: () => Promise<string | undefined>;
  /** The native "Choose the reports folder" dialog for the class view (Electron); absent in the browser shell. */
  pickReportsFolder?: () => Promise<string | undefined>;
  /** The Docker engine the pack's images are loaded into (tests pass their own). */
  docker?: () => Docker;
  /** Whether to remember an opened course for the next start (off for throwaway hosts). Default true. */
  remember?: boolean;
}

/**
 * The backend both shells serve: one course's services (createBackend), which "Open course…" replaces with
 * another course's while the app runs. Every call but the course and class ones is forwarded to the current
 * course's handlers; the event hub is shared, so the transports subscribed to it keep delivering across a
 * switch. The new course is built before the old one is disposed: a course that fails to load leaves the
 * current one in place.
 */
export async function createCourseBackend(options: CourseBackendOptions): Promise<Backend> {
  const events = new EventHub();
  const { pickCourseFile, pickReportsFolder, docker: dockerFactory, remember = true, ...base } = options;
  let current = await createBackend({ ...base, events });
  /** The folder the course open now was loaded from, to compare a pack's version with (issue 21 item 8). */
  let currentLabsDir = base.labsDir;

  /** The open course's version when it is the same course as `course` and newer; undefined otherwise. */
  async function newerOpenVersion(course: { id: string; version?: string | undefined }): Promise<string | undefined> {
    const open = await loadCourse(currentLabsDir).then((loaded) => loaded.course, () => undefined);
    if (!open || open.id !== course.id) return undefined;
    const openVersion = courseVersion(open);
    return compareCourseVersions(course.version ?? '0.0.0', openVersion) < 0 ? openVersion : undefined;
  }
  const uploads = new CourseUploads(options.dataDir);
  const trustStore = new TrustStore(options.dataDir);
  const classWatch = new ClassWatch();
  let docker: Docker | undefined;
  let opening = false;

  const progress = (stage: CourseProgress['stage'], percent: number, message: string, image?: string) =>
    events.emit('course.progress', { stage, percent, message, ...(image ? { image } : {}), at: new Date().toISOString() });

  /** The file or folder a source names, and the name to show for it. */
  function resolveSource(source: CourseSource): { target: string; shownName: string } {
    if ('uploadId' in source) {
      const upload = uploads.completed(source.uploadId);
      return { target: upload.file, shownName: upload.name };
    }
    const target = path.resolve(source.path);
    return { target, shownName: path.basename(target) };
  }

  async function isFolder(target: string): Promise<boolean> {
    try {
      return (await fsp.stat(target)).isDirectory();
    } catch {
      throw new LabdeckError('not-found', `There is no file or folder ${target}.`, { action: 'Check the path, or choose the course file with "Open course…".' });
    }
  }

  async function inspect(source: CourseSource): Promise<CourseInspection> {
    const { target, shownName } = resolveSource(source);
    if (await isFolder(target)) {
      const catalog = await LabCatalog.load(target);
      return { kind: 'folder', dir: target, title: catalog.title, notice: folderCourseTrust(target).notice };
    }
    const verification = await verifyPack(target, trustStore);
    const text = describeVerification(verification).join('\n');
    if (verification.problems.length > 0 || verification.signature === 'invalid' || !verification.manifest) {
      throw new LabdeckError('invalid-request', `${shownName} is damaged or was changed after it was signed:\n${text}`, { action: 'Do not use this copy; get the pack again from the instructor.' });
    }
    if (verification.signature === 'unsigned' || !verification.publisher) {
      throw new LabdeckError('invalid-request', `${shownName} is not signed:\n${text}`, {
        action: 'Ask the instructor for a signed pack (labdeck pack --key), or, if you trust its author like code you run, extract it and open the course folder instead.',
      });
    }
    const manifest = verification.manifest;
    const olderThan = await newerOpenVersion(manifest.course);
    return {
      kind: 'pack',
      fileName: shownName,
      title: manifest.course.title,
      ...(manifest.course.version ? { version: manifest.course.version } : {}),
      publisher: { name: verification.publisher.name, fingerprint: verification.publisher.fingerprint },
      trusted: verification.trusted === true,
      ...(olderThan ? { olderThan } : {}),
      architectures: manifest.architectures,
      imageFiles: manifest.entries.filter((entry) => entry.path.startsWith('images/')).length,
    };
  }

  async function switchTo(labsDir: string, courseTrust: CourseTrust, bundleDir: string | undefined): Promise<void> {
    const envConfig = { ...(base.envConfig ?? {}), ...(bundleDir ? { bundleDir } : {}) };
    const next = await createBackend({ ...base, labsDir, courseTrust, envConfig, events });
    const previous = current;
    current = next;
    currentLabsDir = labsDir;
    await previous.dispose().catch((error: unknown) => console.error('[labdeck] closing the previous course failed:', error));
  }

  async function open(input: { source: CourseSource; trustFingerprint?: string | undefined; trustFolder?: boolean | undefined; allowOlder?: boolean | undefined }): Promise<CourseOpenResult> {
    const { target, shownName } = resolveSource(input.source);
    if (await isFolder(target)) {
      const trust = folderCourseTrust(target);
      if (input.trustFolder !== true) {
        throw new LabdeckError('invalid-request', trust.notice, { action: 'Confirm that you trust this folder like code you run, or open a signed pack instead.' });
      }
      const catalog = await LabCatalog.load(target);
      progress('switch', 0, `Switching to ${catalog.title}`);
      await switchTo(target, trust, undefined);
      progress('switch', 100, `Labdeck now serves ${catalog.title}`);
      if (remember) await rememberCourse(options.dataDir, { source: target, courseDir: target, trust });
      progress('done', 100, `${catalog.title} is open`);
      events.emit('course.changed', { title: catalog.title });
      return { title: catalog.title, notice: trust.notice, imagesLoaded: 0, imagesMessage: 'A course folder carries no images.' };
    }

    progress('verify', 0, `Verifying ${shownName} (every hash and the signature)`);
    const opened = await openPack(target, {
      dataDir: options.dataDir,
      trustStore,
      // The page showed name and fingerprint and the attendee agreed to exactly this key.
      confirmTrust: async (publisher) => input.trustFingerprint !== undefined && sameFingerprint(publisher.fingerprint, input.trustFingerprint),
    });
    // An older version never replaces a newer one of the same course silently (issue 21 item 8).
    const newer = await newerOpenVersion(opened.manifest.course);
    if (newer !== undefined && input.allowOlder !== true) {
      throw new LabdeckError('conflict', `${shownName} holds version ${opened.manifest.course.version ?? '0.0.0'} of ${opened.manifest.course.title}, older than version ${newer} open now.`, {
        action: 'Open it again and confirm that you want the older version, or keep the course you have.',
      });
    }
    // Each stage's line says how far that stage got (the page draws one bar per stage).
    progress('verify', 100, `${opened.manifest.course.title}: every file and the signature check out, signed by ${opened.publisher.name}`);
    progress('extract', 100, `Unpacked into ${path.dirname(opened.courseDir)}`);

    const bundleDir = hostBundleDir(opened);
    let imagesLoaded = 0;
    let imagesMessage: string | undefined;
    if (!bundleDir) {
      imagesMessage = `The pack has images for ${opened.manifest.architectures.join(', ') || 'no CPU'} only, not for this machine (${dockerArch()}); Start will try to pull them.`;
    } else {
      try {
        docker ??= dockerFactory ? dockerFactory() : createDockerClient();
        const arch = dockerArch();
        const result = await loadPackImages(docker, bundleDir, packImagesFor(opened.manifest, bundleDir, arch), (step) => progress('images', step.percent, step.message, step.image));
        imagesLoaded = result.loaded.length + result.present.length;
        imagesMessage = `${result.loaded.length} image(s) loaded into Docker, ${result.present.length} already there.`;
      } catch (error) {
        // The course still opens: the images stay in the pack's folder, which Start uses as its offline bundle.
        imagesMessage = `The images were not loaded yet (${error instanceof Error ? error.message : String(error)}); Start loads them from the pack.`;
        if (error instanceof LabdeckError && error.action) imagesMessage += ` ${error.action}`;
      }
      progress('images', 100, imagesMessage);
    }
    const trust = packCourseTrust(shownName, opened.manifest.course.title, opened.publisher);
    progress('switch', 0, `Switching to ${opened.manifest.course.title}`);
    await switchTo(opened.courseDir, trust, bundleDir);
    progress('switch', 100, `Labdeck now serves ${opened.manifest.course.title}`);
    if (remember) await rememberCourse(options.dataDir, { source: shownName, courseDir: opened.courseDir, ...(bundleDir ? { bundleDir } : {}), trust });
    progress('done', 100, `${opened.manifest.course.title} is open`);
    events.emit('course.changed', { title: opened.manifest.course.title });
    return { title: opened.manifest.course.title, notice: trust.notice, imagesLoaded, ...(imagesMessage ? { imagesMessage } : {}) };
  }

  const own: Pick<CallHandlers, CourseSwitcherCall> = {
    'course.pick': async () => {
      if (!pickCourseFile) return { available: false };
      const chosen = await pickCourseFile();
      return chosen ? { available: true, path: chosen } : { available: true };
    },
    'course.uploadBegin': async ({ name, size }) => ({ uploadId: await uploads.begin(name, size) }),
    'course.uploadChunk': async ({ uploadId, offset, data }) => uploads.chunk(uploadId, offset, data),
    'course.inspect': async ({ source }) => inspect(source),
    'course.open': async (input) => {
      if (opening) throw new LabdeckError('conflict', 'Another course is being opened right now.', { action: 'Wait until it is open, then try again.' });
      opening = true;
      try {
        return await open(input);
      } catch (error) {
        progress('failed', 100, error instanceof Error ? error.message : String(error));
        throw error;
      } finally {
        opening = false;
      }
    },
    'classroom.watch': async ({ dir }) =>
      classWatch.watch(
        dir,
        (table) => events.emit('classroom.progress', table),
        (error) => console.error('[labdeck] watching the reports folder failed:', error),
      ),
    'classroom.unwatch': async () => ({ stopped: classWatch.stop() }),
    'classroom.pickFolder': async () => {
      if (!pickReportsFolder) return { available: false };
      const chosen = await pickReportsFolder();
      return chosen ? { available: true, dir: chosen } : { available: true };
    },
    'classroom.grade': async ({ label, files }) => gradeFiles(label, files),
  };

  const ownNames = new Set<CallName>(courseSwitcherCalls);
  const forwarded = Object.fromEntries(
    callNames
      .filter((name) => !ownNames.has(name))
      .map((name) => [name, (input: unknown, context: unknown) => (current.handlers[name] as (input: unknown, context: unknown) => Promise<unknown>)(input, context)]),
  );
  // Every call name is covered: the forwarded ones plus the switcher's own (checked in course-backend.test.ts).
  const handlers = { ...forwarded, ...own } as CallHandlers;

  return {
    handlers,
    dispatcher: new Dispatcher(handlers, { onClientsGone: (clientIds) => current.dispatcher.clientsGone(clientIds) }),
    events,
    async dispose() {
      classWatch.stop();
      await current.dispose();
    },
  };
}

/**
 * Orders course versions ("2026.1" < "2026.10", "1.2.0" < "1.10.0"): dot-, dash- or underscore-separated parts,
 * numeric parts compared as numbers, others as text; a version that is a prefix of another is older.
 */
export function compareCourseVersions(a: string, b: string): number {
  const left = a.split(/[._-]/);
  const right = b.split(/[._-]/);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const x = left[index];
    const y = right[index];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const bothNumbers = /^\d+$/.test(x) && /^\d+$/.test(y);
    const order = bothNumbers ? Number(x) - Number(y) : x.localeCompare(y);
    if (order !== 0) return Math.sign(order);
  }
  return 0;
}
