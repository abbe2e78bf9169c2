import { z } from 'zod';
import { isSafeName, SAFE_NAME_MESSAGE } from './safe-name.ts';
import { CheckSpecSchema, ObjectSelectorSchema } from './check-spec.ts';

/**
 * The lab file format (labs/<id>-<slug>/lab.yaml). Markdown and manifests are referenced by path relative
 * to the lab folder so instructors edit them as ordinary files. labs/README.md documents it for humans;
 * resources/schemas/lab.schema.json is generated from this module for editors.
 */

const RelativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'paths are relative to the lab folder and stay inside it');

export const LabSnippetSchema = z.union([
  z
    .object({
      id: z.string().min(1),
      kind: z.literal('command'),
      title: z.string().optional(),
      command: z.string().min(1),
      /**
       * Where "Run in terminal" types it: a node's shell (`{ node: worker1 }`), or the host shell tab, the
       * attendee's own shell on their laptop (`{ host: true }`); the jumphost when absent.
       */
      in: z.union([z.object({ node: z.string().regex(/^[a-z0-9-]+$/) }).strict(), z.object({ host: z.literal(true) }).strict()]).optional(),
    })
    .strict(),
  z.object({ id: z.string().min(1), kind: z.literal('manifest'), title: z.string().optional(), file: RelativePath }).strict(),
]);

export const LabHintSchema = z
  .object({
    text: z.string().min(1),
    /** Shown next to this check when it fails. */
    forCheck: z.string().optional(),
  })
  .strict();

export const LabStepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    instructions: RelativePath,
    snippets: z.array(LabSnippetSchema).default([]),
    hints: z.array(LabHintSchema).default([]),
    solution: RelativePath,
    checks: z.array(CheckSpecSchema).min(1, 'every step needs at least one check'),
    /** Objects the step creates; step cleanup deletes exactly these. */
    cleanup: z.array(ObjectSelectorSchema).default([]),
    /** Objects the network map highlights while this step is active. */
    focus: z.array(z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() }).strict()).default([]),
  })
  .strict();

export const LabFileSchema = z
  .object({
    id: z.string().regex(/^[0-9]+\.[0-9]+$/),
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    summary: z.string().min(1),
    objectives: z.array(z.string().min(1)).min(1),
    durationMinutes: z.number().int().positive(),
    requires: z.array(z.string()).default([]),
    /** The lab expects no leftovers from earlier labs in the namespaces it uses. */
    cleanSlate: z.boolean().default(false),
    introduction: RelativePath,
    steps: z.array(LabStepSchema).min(1),
  })
  .strict();

export type LabFile = z.infer<typeof LabFileSchema>;
export type LabStep = z.infer<typeof LabStepSchema>;

/** labs/course.yaml: what the course is called; progress is saved per course id. */
export const CourseFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    organization: z.string().min(1).optional(),
    /**
     * The course's version (default 0.0.0, see courseVersion()); evidence journal entries carry it so a grader
     * knows which edition of the checks the evidence was gathered under.
     */
    version: z.string().min(1).optional(),
    /** How a course pack presents itself; every field falls back to Labdeck's own look. */
    branding: z
      .object({
        /** Shown instead of the title where space is short (title bar, installer); default: the title. */
        name: z.string().min(1).optional(),
        /** A PNG or SVG in the course folder, relative to course.yaml. */
        logo: RelativePath.optional(),
        accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb').optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  // id and version become folder and file names (safe-name.ts): checked on every read of course.yaml. A
  // refinement, so the generated JSON schema (resources/schemas) is unchanged; lint and every load enforce it.
  .superRefine((course, context) => {
    for (const field of ['id', 'version'] as const) {
      const value = course[field];
      if (value !== undefined && !isSafeName(value)) context.addIssue({ code: 'custom', path: [field], message: `must be a safe name: ${SAFE_NAME_MESSAGE}` });
    }
  });
export type CourseFile = z.infer<typeof CourseFileSchema>;

/** A course without a version is 0.0.0 (kept out of the schema's default so a fallback course needs none). */
export function courseVersion(course: Pick<CourseFile, 'version'>): string {
  return course.version ?? '0.0.0';
}
export type LabSnippet = z.infer<typeof LabSnippetSchema>;
