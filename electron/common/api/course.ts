import { z } from 'zod';
import { keyNameProblem, MAX_KEY_NAME_LENGTH } from '../printable-name.ts';
import { defineCall, defineEvent } from './define.ts';

/**
 * Opening a course from inside the app (issue 11): a signed pack chosen with "Open course…" (a native dialog
 * in Electron, a file upload in the browser shell), dropped onto the window, or a plain course folder.
 */

/** The largest pack the browser shell accepts as an upload: a two-architecture pack with every image fits. */
export const maxCourseUploadBytes = 8 * 1024 * 1024 * 1024;
/** One upload chunk, before base64; the call's input bound (limits.ts) is derived from it. */
export const courseUploadChunkBytes = 768 * 1024;

/** Where the course to open is: a file or folder on the backend's machine, or an upload made with course.upload*. */
export const CourseSourceSchema = z.union([
  z.object({ path: z.string().min(1).max(4096) }).strict(),
  z.object({ uploadId: z.string().regex(/^[a-f0-9]{32}$/) }).strict(),
]);
export type CourseSource = z.infer<typeof CourseSourceSchema>;

/**
 * The fingerprint is the one computed from the key (sha256, 16 groups of four hex digits); the name is what the
 * key's owner claims, printable and bounded (common/printable-name.ts): neither can redraw the trust dialog.
 */
const PublisherSchema = z.object({
  name: z.string().max(MAX_KEY_NAME_LENGTH).refine((name) => keyNameProblem(name) === undefined, 'a printable name'),
  fingerprint: z.string().regex(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/, 'a key fingerprint'),
});

/** What opening would do, before anything is extracted or trusted. */
export const CourseInspectionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('pack'),
    fileName: z.string(),
    title: z.string(),
    version: z.string().optional(),
    publisher: PublisherSchema,
    /** The publisher's key is already in the trust store: opening asks nothing (unless the pack is older). */
    trusted: z.boolean(),
    /**
     * The version of this course open now, when the pack holds an older one (issue 21): opening it replaces the
     * newer course, so the attendee is asked even for a trusted publisher, and course.open needs allowOlder.
     */
    olderThan: z.string().optional(),
    architectures: z.array(z.string()),
    imageFiles: z.number().int(),
  }),
  z.object({
    kind: z.literal('folder'),
    dir: z.string(),
    title: z.string(),
    /** Says plainly that an unsigned folder is trusted like code. */
    notice: z.string(),
  }),
]);
export type CourseInspection = z.infer<typeof CourseInspectionSchema>;

export const CourseOpenResultSchema = z.object({
  title: z.string(),
  notice: z.string(),
  /** Images loaded into Docker (or already there); skipped ones say why in `imagesMessage`. */
  imagesLoaded: z.number().int(),
  imagesMessage: z.string().optional(),
});
export type CourseOpenResult = z.infer<typeof CourseOpenResultSchema>;

export const CourseProgressSchema = z.object({
  stage: z.enum(['upload', 'verify', 'extract', 'images', 'switch', 'done', 'failed']),
  percent: z.number().min(0).max(100),
  message: z.string(),
  /** The image being loaded, in the images stage. */
  image: z.string().optional(),
  at: z.string(),
});
export type CourseProgress = z.infer<typeof CourseProgressSchema>;

export const coursePickSchema = z.object({
  /** False in the browser shell: the page uploads the file instead. */
  available: z.boolean(),
  path: z.string().optional(),
});

export const courseCalls = {
  'course.pick': defineCall(z.object({}).strict(), coursePickSchema, 'Show the native "Open course" dialog (Electron); the chosen path, if any'),
  'course.uploadBegin': defineCall(
    z.object({ name: z.string().trim().min(1).max(255), size: z.number().int().min(1).max(maxCourseUploadBytes) }).strict(),
    z.object({ uploadId: z.string() }),
    'Start uploading a course pack from the page (browser shell, drag and drop)',
  ),
  'course.uploadChunk': defineCall(
    z
      .object({
        uploadId: z.string().regex(/^[a-f0-9]{32}$/),
        offset: z.number().int().min(0).max(maxCourseUploadBytes),
        // base64 of at most courseUploadChunkBytes bytes
        data: z.string().max(Math.ceil(courseUploadChunkBytes / 3) * 4).regex(/^[A-Za-z0-9+/]*={0,2}$/),
      })
      .strict(),
    z.object({ received: z.number().int(), complete: z.boolean() }),
    'One piece of an upload, in order',
  ),
  'course.inspect': defineCall(z.object({ source: CourseSourceSchema }).strict(), CourseInspectionSchema, 'Verify a pack (or read a folder) and say who signed it, without opening it'),
  'course.open': defineCall(
    z
      .object({
        source: CourseSourceSchema,
        /** The fingerprint the attendee agreed to trust after seeing it; an unknown publisher needs it. */
        trustFingerprint: z.string().max(200).optional(),
        /** For a plain folder: the attendee read that it is trusted like code. */
        trustFolder: z.boolean().optional(),
        /** The attendee read that the pack is an older version of the course open now, and wants it anyway. */
        allowOlder: z.boolean().optional(),
      })
      .strict(),
    CourseOpenResultSchema,
    'Open the course: verify, trust, extract, load its images into Docker (course.progress), switch to it and remember it',
  ),
} as const;

export const courseEvents = {
  'course.progress': defineEvent(CourseProgressSchema, 'Progress of opening a course'),
  'course.changed': defineEvent(z.object({ title: z.string() }), 'The backend switched to another course; the page reloads its state'),
} as const;
