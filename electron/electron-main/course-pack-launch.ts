import path from 'node:path';
import type { Dialog } from 'electron';
import type { BackendOptions } from '../node/backend/create-backend.ts';
import { packCourseTrust } from '../node/course-pack/course-trust.ts';
import type { Signer } from '../node/course-pack/keys.ts';
import { hostBundleDir, openPack } from '../node/course-pack/open-pack.ts';
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
