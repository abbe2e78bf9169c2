import path from 'node:path';

/**
 * What Labdeck tells the user about a course it opens from a plain folder. Nobody signed it, and a course is
 * code: its probes run as root in the lab's privileged node containers and the app reads and shows its files.
 * So it is trusted exactly like code the user chose to run, and the notice says so instead of implying a check.
 */
export function courseFolderTrustNotice(dir: string): string {
  return `Course folder ${path.resolve(dir)} is not a signed pack: Labdeck trusts it like code you run (its probes run as root in the lab nodes). Open only course folders whose author you trust; instructors hand out signed packs (labdeck pack --key).`;
}
