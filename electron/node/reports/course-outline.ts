import { courseVersion } from '../course-format/lab-schema.ts';
import type { LabCatalog } from '../labs/lab-catalog.ts';
import type { CourseOutline } from './report-format.ts';

/** The course's labs, steps and checks as a report lists them. */
export function courseOutline(catalog: LabCatalog): CourseOutline {
  return {
    id: catalog.courseId,
    version: courseVersion(catalog.course),
    title: catalog.title,
    labs: catalog.labs().map((lab) => ({
      id: lab.file.id,
      title: lab.file.title,
      steps: lab.file.steps.map((step) => ({
        id: step.id,
        title: step.title,
        checks: step.checks.map((check) => ({ id: check.id, title: check.title, kind: check.kind, ...(check.context ? { context: true } : {}) })),
      })),
    })),
  };
}
