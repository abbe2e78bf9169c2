import { z } from 'zod';
import { SafeNameSchema } from '../course-format/safe-name.ts';

/**
 * The manifest of a course pack (labdeck-pack.json inside the pack's tar). It lists every other entry of the
 * pack with its sha256, so one Ed25519 signature over this file's exact bytes covers the whole pack.
 * README.md in this folder describes the layout for people.
 */

export const PACK_MANIFEST = 'labdeck-pack.json';
export const PACK_SIGNATURE = 'labdeck-pack.sig';
export const PACK_FORMAT = 'labdeck-pack/1';
/** Course files live under this prefix inside the pack. */
export const COURSE_PREFIX = 'course/';
/** Saved images under images/<arch>/images/<file>, the bundle layout per CPU architecture. */
export const IMAGES_PREFIX = 'images/';

export const PackEntrySchema = z
  .object({
    path: z.string().min(1),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** For saved images: the image name, and the CPU architecture its archive is for. */
    image: z.string().optional(),
    arch: z.string().optional(),
  })
  .strict();

export const SignerSchema = z.object({ name: z.string().min(1), publicKey: z.string().min(1), fingerprint: z.string().min(1) }).strict();

export const PackManifestSchema = z
  .object({
    format: z.literal(PACK_FORMAT),
    createdAt: z.string(),
    labdeckVersion: z.string(),
    course: z
      .object({
        // Folder and file names when the pack is opened: safe names, checked on every read (safe-name.ts).
        id: SafeNameSchema,
        title: z.string(),
        version: SafeNameSchema.optional(),
        organization: z.string().optional(),
        branding: z
          .object({
            name: z.string(),
            /** Path of the logo inside the pack (course/...). */
            logo: z.string().optional(),
            accentColor: z.string().optional(),
          })
          .strict(),
      })
      .strict(),
    /** The cluster the labs were written for: what `env up` builds from this pack. */
    environment: z
      .object({
        kubernetesVersion: z.string(),
        nodeImage: z.string(),
        jumphostImage: z.string(),
        subnet: z.string(),
        nodes: z.array(z.object({ name: z.string(), role: z.enum(['server', 'agent']), ip: z.string() }).strict()),
        workloadImages: z.array(z.string()),
      })
      .strict(),
    architectures: z.array(z.string()),
    entries: z.array(PackEntrySchema),
    /** Absent in an unsigned pack. */
    publisher: SignerSchema.optional(),
  })
  .strict();

export type PackEntry = z.infer<typeof PackEntrySchema>;
export type PackManifest = z.infer<typeof PackManifestSchema>;
