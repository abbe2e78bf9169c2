import path from 'node:path';
import type { AppInfo } from '../../common/api/app.ts';
import type { Signer } from './keys.ts';

export type CourseTrust = NonNullable<AppInfo['course']['trust']>;

/**
 * What Labdeck tells the user about a course it opens from a plain folder. Nobody signed it, and a course is
 * code: its probes run as root in the lab's privileged node containers and the app reads and shows its files.
 * So it is trusted exactly like code the user chose to run, and the notice says so instead of implying a check.
 */
export function courseFolderTrustNotice(dir: string): string {
  return `Course folder ${path.resolve(dir)} is not a signed pack: Labdeck trusts it like code you run (its probes run as root in the lab nodes). Open only course folders whose author you trust; instructors hand out signed packs (labdeck pack --key).`;
}

export function folderCourseTrust(dir: string): CourseTrust {
  return { kind: 'folder', notice: courseFolderTrustNotice(dir) };
}

export function packCourseTrust(file: string, title: string, publisher: Signer): CourseTrust {
  return {
    kind: 'pack',
    notice: `Course pack ${path.basename(file)}: ${title}, signed by ${publisher.name} (${publisher.fingerprint}), a publisher you trust.`,
    publisher: publisher.name,
    fingerprint: publisher.fingerprint,
  };
}
