import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Dialog } from 'electron';
import type { BackendOptions } from '../node/backend/create-backend.ts';
import { packCourseTrust } from '../node/course-pack/course-trust.ts';
import type { Signer } from '../node/course-pack/keys.ts';
import { hostBundleDir, openPack } from '../node/course-pack/open-pack.ts';
import { readRememberedCourse, rememberCourse } from '../node/course-pack/remembered-course.ts';
import { TrustStore } from '../node/course-pack/trust-store.ts';

/** `--course <file>` or `--course=<file>` on the app's command line (an installer shortcut, a double-click). */
export function courseArgument(argv: readonly string[]): string | undefined {
  for (const [index, argument] of argv.entries()) {
    if (argument === '--course') return argv[index + 1];
    if (argument.startsWith('--course=')) return argument.slice('--course='.length);
  }
  return undefined;
}

/** Asks once, in a dialog showing who signed the pack and the key's fingerprint, whether to trust them. */
export function trustDialog(dialog: Pick<Dialog, 'showMessageBox'>): (publisher: Signer) => Promise<boolean> {
  return async (publisher) => {
    const { response } = await dialog.showMessageBox({
      type: 'question',
      buttons: ['Trust and open', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: `Open a course signed by ${publisher.name}?`,
      detail: `Key fingerprint:\n${publisher.fingerprint}\n\nA course runs commands as root in your lab cluster. Trust this publisher only if the fingerprint matches the one your instructor gave you. Labdeck remembers your answer for every pack this key signs.`,
    });
    return response === 0;
  };
}

/**
 * The backend options for a course pack: verified and opened (the publisher trusted once), its course folder,
 * its images for this machine as the offline bundle, and what the start screen says about it.
 */
export async function coursePackOptions(file: string, dataDir: string, dialog: Pick<Dialog, 'showMessageBox'>): Promise<Pick<BackendOptions, 'labsDir' | 'courseTrust' | 'envConfig'>> {
  const opened = await openPack(path.resolve(file), { dataDir, trustStore: new TrustStore(dataDir), confirmTrust: trustDialog(dialog) });
  const bundleDir = hostBundleDir(opened);
  return {
    labsDir: opened.courseDir,
    courseTrust: packCourseTrust(file, opened.manifest.course.title, opened.publisher),
    ...(bundleDir ? { envConfig: { bundleDir } } : {}),
  };
}

/** Where an installer built with LABDECK_BUNDLED_PACK carries its pack (electron-builder.yml extraResources). */
export const BUNDLED_PACK_DIR = 'course-pack';

/** The pack an installer carries: the one *.labdeck file in <resources>/course-pack/, if any. */
export async function bundledPack(resourcesPath: string): Promise<string | undefined> {
  const dir = path.join(resourcesPath, BUNDLED_PACK_DIR);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const pack = names.filter((name) => name.endsWith('.labdeck')).sort()[0];
  return pack ? path.join(dir, pack) : undefined;
}

/**
 * Which course the window starts with: `--course <file>` first; else the course last opened with "Open
 * course…" (remembered in the data folder); else, at first start of an installed app, the pack its installer
 * carries (opened like --course, then remembered); else the course folder next to the app.
 */
export async function startupCourseOptions(input: {
  argv: readonly string[];
  dataDir: string;
  resourcesPath: string | undefined;
  dialog: Pick<Dialog, 'showMessageBox'>;
}): Promise<Partial<Pick<BackendOptions, 'labsDir' | 'courseTrust' | 'envConfig'>>> {
  const pack = courseArgument(input.argv);
  if (pack) return coursePackOptions(pack, input.dataDir, input.dialog);
  const remembered = await readRememberedCourse(input.dataDir);
  if (remembered) {
    return { labsDir: remembered.courseDir, courseTrust: remembered.trust, ...(remembered.bundleDir ? { envConfig: { bundleDir: remembered.bundleDir } } : {}) };
  }
  const carried = input.resourcesPath ? await bundledPack(input.resourcesPath) : undefined;
  if (!carried) return {};
  const options = await coursePackOptions(carried, input.dataDir, input.dialog);
  await rememberCourse(input.dataDir, {
    source: carried,
    courseDir: options.labsDir,
    ...(options.envConfig?.bundleDir ? { bundleDir: options.envConfig.bundleDir } : {}),
    trust: options.courseTrust!,
  });
  return options;
}
