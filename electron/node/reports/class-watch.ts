import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ClassProgress } from '../../common/api/classroom.ts';
import { LabdeckError } from '../../common/errors.ts';
import { gradeReports } from './grade-reports.ts';

/** Reports are a few hundred KB; anything far larger is not one and is skipped instead of read. */
const maxReportBytes = 20 * 1024 * 1024;

/** Grades every *.json report in a folder with grade-reports (the same code as `labdeck grade-reports`). */
export async function gradeFolder(dir: string): Promise<ClassProgress> {
  let names: string[];
  try {
    names = (await fsp.readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new LabdeckError('not-found', `Cannot read the folder ${dir}: ${(error as Error).message}`, {
      action: 'Choose the folder the attendees drop their exported reports into (*.labdeck-report.json).',
    });
  }
  const files: { name: string; text: string }[] = [];
  const unreadable: string[] = [];
  for (const name of names) {
    try {
      const stat = await fsp.stat(path.join(dir, name));
      if (!stat.isFile() || stat.size > maxReportBytes) {
        unreadable.push(name);
        continue;
      }
      files.push({ name, text: await fsp.readFile(path.join(dir, name), 'utf8') });
    } catch {
      unreadable.push(name);
    }
  }
  return { ...(await gradeFiles(dir, files)), unreadable };
}

/**
 * Grades reports the page read itself (the browser shell cannot name a folder on disk); `label` stands where
 * the folder's path would, e.g. the dropped folder's name. Only *.json files are reports.
 */
export async function gradeFiles(label: string, files: ReadonlyArray<{ name: string; text: string }>): Promise<ClassProgress> {
  const reports = files.filter((file) => file.name.endsWith('.json'));
  const grades = await gradeReports(reports);
  return {
    dir: label,
    labs: grades.labs,
    rows: grades.rows.map((row) => ({ file: row.file, attendee: row.attendee, course: row.course, flags: row.flags, labs: row.labs, total: row.total, problems: row.problems })),
    summary: grades.summary,
    unreadable: [],
    at: new Date().toISOString(),
  };
}

/**
 * Watches one reports folder for the presenter view: every change (a report dropped in, replaced, removed)
 * grades the folder again, at most once per `debounceMs`, and hands the table on. One folder at a time.
 */
export class ClassWatch {
  #watcher: fs.FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #generation = 0;
  readonly #debounceMs: number;

  constructor(options: { debounceMs?: number } = {}) {
    this.#debounceMs = options.debounceMs ?? 300;
  }

  async watch(dir: string, onChange: (progress: ClassProgress) => void, onError: (error: unknown) => void): Promise<ClassProgress> {
    const resolved = path.resolve(dir);
    const first = await gradeFolder(resolved);
    this.stop();
    const generation = ++this.#generation;
    this.#watcher = fs.watch(resolved, () => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        void gradeFolder(resolved).then(
          (progress) => {
            if (generation === this.#generation) onChange(progress);
          },
          onError,
        );
      }, this.#debounceMs);
    });
    this.#watcher.on('error', onError);
    return first;
  }

  stop(): boolean {
    clearTimeout(this.#timer);
    const had = this.#watcher !== undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#generation++;
    return had;
  }
}
