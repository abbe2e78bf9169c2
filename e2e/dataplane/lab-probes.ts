import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabCatalog } from '../../electron/node/labs/lab-catalog.ts';
import type { LabProbe } from './variants.ts';

/** The course folder of this checkout. */
export const COURSE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../labs');

/** Every probe check of every lab, read from the lab files as the product loads them (never copied). */
export async function loadLabProbes(dir: string = COURSE_DIR): Promise<LabProbe[]> {
  const catalog = await LabCatalog.load(dir);
  return catalog.labs().flatMap((lab) =>
    lab.steps.flatMap((step) =>
      step.spec.checks.flatMap((check) => (check.kind === 'probe' ? [{ labId: lab.file.id, stepId: step.spec.id, check }] : [])),
    ),
  );
}
