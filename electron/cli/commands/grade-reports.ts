import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { z } from 'zod';
import { LabdeckError } from '../../common/errors.ts';
import { gradeReports, gradesToCsv, gradesToJunit, type ReportFile } from '../../node/reports/grade-reports.ts';
import { loadGraderCourse } from './report-course.ts';
import { MAX_REPORT_BYTES } from '../../node/reports/report-limits.ts';

const WeightsSchema = z.record(z.string(), z.number().nonnegative());
const RosterSchema = z.record(z.string(), z.string());

async function readMap<T>(file: string, schema: z.ZodType<T>, what: string): Promise<T> {
  try {
    return schema.parse(parse(await fsp.readFile(file, 'utf8')));
  } catch (error) {
    throw new LabdeckError('invalid-request', `${file} is not a ${what}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, {
      action: what === 'weights file' ? 'Write lab id: weight pairs, e.g. {"1.1": 1, "1.5": 2} (JSON or YAML).' : 'Write attendee name: key fingerprint pairs (JSON or YAML).',
    });
  }
}

/**
 * A report file, or why it cannot be one: a file too large (or not a file) is not read into memory, and one
 * that cannot be read becomes an "unreadable" row instead of stopping the rest of the class being graded.
 */
async function readReportFile(dir: string, name: string): Promise<ReportFile> {
  const file = path.join(dir, name);
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) return { name, text: '', unreadable: 'not a file' };
    if (stat.size > MAX_REPORT_BYTES) return { name, text: '', unreadable: `larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB` };
    return { name, text: await fsp.readFile(file, 'utf8') };
  } catch (error) {
    return { name, text: '', unreadable: `cannot be read (${(error as Error).message})` };
  }
}

/** `labdeck grade-reports <dir>`: the class summary from the reports attendees handed in. */
export function registerGradeReportsCommand(program: Command): void {
  program
    .command('grade-reports')
    .description('Grade a folder of completion reports: one row per report, per-lab partial credit, flags for invalid, re-signed or other-version reports')
    .argument('<dir>', 'folder of .labdeck-report.json files')
    .option('--weights <file>', 'lab weights, e.g. {"1.1": 1, "1.5": 2} (JSON or YAML); labs not named weigh 1')
    .option('--format <format>', 'csv, json or junit', 'csv')
    .option('--course <dir|pack>', "the course whose checks re-run on each report's evidence, and whose version the class is on")
    .option('--roster <file>', "attendee name → report key fingerprint; a report signed by another key is flagged re-signed")
    .action(async (dir: string, options: { weights?: string; format: string; course?: string; roster?: string }) => {
      if (!['csv', 'json', 'junit'].includes(options.format)) {
        throw new LabdeckError('invalid-request', `--format ${options.format} is not one of csv, json, junit.`, { action: 'Pick one of them.' });
      }
      let names: string[];
      try {
        names = (await fsp.readdir(dir)).filter((name) => name.endsWith('.json')).sort();
      } catch (error) {
        throw new LabdeckError('not-found', `Cannot read the folder ${dir}: ${(error as Error).message}`, { action: 'Point grade-reports at the folder the reports were dropped into.' });
      }
      const files = await Promise.all(names.map((name) => readReportFile(dir, name)));
      const course = options.course ? await loadGraderCourse(options.course, (line) => process.stderr.write(`${line}\n`)) : undefined;
      try {
        const grades = await gradeReports(files, {
          ...(course ? { course: course.catalog } : {}),
          // Maps: an attendee or lab named `constructor` or `__proto__` is a name, not a property.
          ...(options.weights ? { weights: new Map(Object.entries(await readMap(options.weights, WeightsSchema, 'weights file'))) } : {}),
          ...(options.roster ? { roster: new Map(Object.entries(await readMap(options.roster, RosterSchema, 'roster'))) } : {}),
        });
        if (options.format === 'json') process.stdout.write(`${JSON.stringify(grades, null, 2)}\n`);
        else if (options.format === 'junit') process.stdout.write(gradesToJunit(grades));
        else process.stdout.write(gradesToCsv(grades));
        // Names and file names come from the reports: control and direction characters are not written to the terminal.
        const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
        for (const row of grades.rows) {
          if (row.notJudgeable > 0) process.stderr.write(`${printable(row.file)}: ${row.notJudgeable} recorded pass(es) not judgeable from their evidence alone\n`);
          if (row.kubectlUnseen > 0) process.stderr.write(`${printable(row.file)}: ${row.kubectlUnseen} kubectl pass(es) not corroborated by the API server's audit log (a cluster without it, e.g. --kubeconfig, or evidence removed)\n`);
          for (const problem of row.problems) process.stderr.write(`${printable(row.file)}: ${printable(problem)}\n`);
        }
      } finally {
        await course?.dispose();
      }
    });
}
