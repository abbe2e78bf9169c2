import crypto from 'node:crypto';
import path from 'node:path';
import type Docker from 'dockerode';
import { execCollect, putFiles } from './docker-exec.ts';
import { JUMPHOST_USER } from './toolbox.ts';

/** A file of the course that belongs in the attendee's home directory on the jumphost. */
export interface HomeFile {
  /** A plain file name (no folder): the lab text says `kubectl apply -f nginx-pod.yaml` in the home directory. */
  name: string;
  content: string;
}

/** What a sync did with each file. */
export interface HomeFilePlan {
  /** Missing, or still exactly what Labdeck wrote last time (the course changed): written. */
  write: HomeFile[];
  /** Already the lab's copy. */
  unchanged: string[];
  /** Different from both the lab's copy and what Labdeck wrote: the attendee's own version, left alone. */
  kept: string[];
}

/** What the attendee's home holds under a name: a regular file's text, or `other` (a folder, a link). */
export type PresentFile = { kind: 'file'; content: string } | { kind: 'other' };

/**
 * Root-owned record of the sha256 Labdeck last wrote for each name. Without it an unedited copy of an older
 * course version could not be told from the attendee's edit, and would never be updated.
 */
export const HOME_RECORD_PATH = '/etc/labdeck/home-files.json';

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/**
 * The manifests of a course, once each, by file name: a step's `manifests/nginx-pod.yaml` is typed as
 * `kubectl apply -f nginx-pod.yaml` on the jumphost. The first lab naming a file wins (lint reports two
 * different files under one name, lint-home-files.ts).
 */
export function courseHomeFiles(labs: readonly { steps: readonly { manifests: ReadonlyMap<string, string> }[] }[]): HomeFile[] {
  const byName = new Map<string, string>();
  for (const lab of labs) {
    for (const step of lab.steps) {
      for (const [file, content] of step.manifests) {
        const name = path.posix.basename(file);
        if (!byName.has(name)) byName.set(name, content);
      }
    }
  }
  return [...byName].map(([name, content]) => ({ name, content }));
}

/** Decides per file: write it, it is already there, or keep the attendee's version. Never overwrites an edit. */
export function planHomeFiles(wanted: readonly HomeFile[], present: ReadonlyMap<string, PresentFile>, written: Readonly<Record<string, string>>): HomeFilePlan {
  const plan: HomeFilePlan = { write: [], unchanged: [], kept: [] };
  for (const file of wanted) {
    const there = present.get(file.name);
    if (!there) plan.write.push(file);
    else if (there.kind === 'file' && there.content === file.content) plan.unchanged.push(file.name);
    else if (there.kind === 'file' && Object.hasOwn(written, file.name) && written[file.name] === sha256(there.content)) plan.write.push(file);
    else plan.kept.push(file.name);
  }
  return plan;
}

/** The log line for a kept file: where it is, why it stayed, and how to get the lab's copy. */
export function keptMessage(name: string): string {
  const where = `${JUMPHOST_USER.home}/${name}`;
  return `jumphost: kept ${where}: it differs from the lab's copy (edited on the jumphost?), so Labdeck left it as it is. To get the lab's version, rename or delete it and reopen the course, or apply the manifest from the editor.`;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Reads the files as the attendee (so a link they made cannot point Labdeck's root at another file): for each
 * name one line `name<TAB>file|other|absent<TAB>base64`.
 */
async function readPresent(docker: Docker, containerId: string, names: readonly string[]): Promise<Map<string, PresentFile>> {
  const script = 'cd "$HOME" || exit 1; for f in "$@"; do if [ -L "$f" ] || { [ -e "$f" ] && [ ! -f "$f" ]; }; then printf "%s\\tother\\t\\n" "$f"; elif [ -f "$f" ]; then printf "%s\\tfile\\t%s\\n" "$f" "$(base64 -w0 < "$f")"; else printf "%s\\tabsent\\t\\n" "$f"; fi; done';
  const outcome = await execCollect(docker, containerId, ['sh', '-c', script, 'read-home', ...names], {
    timeoutMs: 20_000,
    user: String(JUMPHOST_USER.uid),
    env: [`HOME=${JUMPHOST_USER.home}`],
  });
  if (outcome.exitCode !== 0) throw new Error(`reading ${JUMPHOST_USER.home} on the jumphost failed (exit code ${outcome.exitCode}): ${outcome.output.trim().slice(-500)}`);
  const present = new Map<string, PresentFile>();
  for (const line of outcome.output.split('\n')) {
    const [name, kind, data = ''] = line.split('\t');
    if (!name || !names.includes(name)) continue;
    if (kind === 'other') present.set(name, { kind: 'other' });
    if (kind === 'file') present.set(name, { kind: 'file', content: Buffer.from(data, 'base64').toString('utf8') });
  }
  return present;
}

async function readRecord(docker: Docker, containerId: string): Promise<Record<string, string>> {
  const outcome = await execCollect(docker, containerId, ['cat', HOME_RECORD_PATH], { timeoutMs: 10_000, user: 'root' });
  if (outcome.exitCode !== 0) return {};
  try {
    const parsed: unknown = JSON.parse(outcome.output);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}

/**
 * Puts the course's manifests into the attendee's home on the jumphost, owned by the attendee, so every
 * "`kubectl apply -f X.yaml` on the jumphost" of the lab texts works as typed. A file the attendee changed
 * stays as it is; `log` gets one line per such file.
 */
export async function syncJumphostHome(docker: Docker, containerId: string, files: readonly HomeFile[], log: (line: string) => void): Promise<HomeFilePlan> {
  const wanted = files.filter((file) => SAFE_NAME.test(file.name));
  for (const file of files) if (!wanted.includes(file)) log(`jumphost: not copying "${file.name}": not a plain file name`);
  if (wanted.length === 0) return { write: [], unchanged: [], kept: [] };
  const [present, record] = await Promise.all([readPresent(docker, containerId, wanted.map((file) => file.name)), readRecord(docker, containerId)]);
  const plan = planHomeFiles(wanted, present, record);
  await putFiles(
    docker,
    containerId,
    plan.write.map((file) => ({ path: `${JUMPHOST_USER.home}/${file.name}`, content: file.content, mode: 0o644 })),
    { uid: JUMPHOST_USER.uid, gid: JUMPHOST_USER.gid },
  );
  const nextRecord = { ...record };
  for (const file of wanted) if (!plan.kept.includes(file.name)) nextRecord[file.name] = sha256(file.content);
  await putFiles(docker, containerId, [{ path: HOME_RECORD_PATH, content: `${JSON.stringify(nextRecord, null, 2)}\n`, mode: 0o644 }], { uid: 0, gid: 0 });
  for (const name of plan.kept) log(keptMessage(name));
  return plan;
}
