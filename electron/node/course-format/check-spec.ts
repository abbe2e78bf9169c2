import { z } from 'zod';

/**
 * The check definitions instructors write in lab files. Shared by the lab loader/linter (labs/) and the
 * check engine (checks/). Expressions are CEL source text; they are compiled by the engine and by lint.
 */

/** Names one or more Kubernetes objects. `name` and `labelSelector` are mutually exclusive. */
export const ObjectSelectorSchema = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    namespace: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    labelSelector: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => !(s.name && s.labelSelector), { message: 'use either name or labelSelector, not both' });
export type ObjectSelector = z.infer<typeof ObjectSelectorSchema>;

/**
 * One assertion: `that` is a CEL boolean; `message` is shown when it is false and may interpolate CEL
 * values with {{ expr }} so the attendee sees what was observed ("image is {{object.spec...}}").
 */
export const AssertionSchema = z
  .object({
    that: z.string().min(1),
    message: z.string().min(1),
    /** Shown with the failure when this assertion is the one that failed (a pending pod and a wrong image need different advice). */
    hint: z.string().min(1).optional(),
  })
  .strict();
export type Assertion = z.infer<typeof AssertionSchema>;

const CheckBase = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'check ids are lower-case words joined by dashes'),
  title: z.string().min(1),
  /** holds: must be true now (re-evaluated on change); once: counts once it has passed. */
  mode: z.enum(['holds', 'once']).default('holds'),
  /**
   * An environment fact that holds without any attendee action (a CNI annotation, the kube-dns address):
   * evaluated and shown, but it never counts toward completing the step and is never journaled as the
   * attendee's achievement. Every step needs at least one check that is not context (lint enforces it).
   */
  context: z.boolean().default(false),
};

export const ResourceCheckSchema = z
  .object({
    ...CheckBase,
    kind: z.literal('resource'),
    select: ObjectSelectorSchema,
    /** true: passes when nothing matches (cleanup steps, "delete the pod"). */
    absent: z.boolean().default(false),
    /** CEL over `object` (each matched object) — all must hold for every match. */
    assert: z.array(AssertionSchema).default([]),
    /** CEL over `objects` (the list of matches), e.g. objects.size() == 3. */
    assertAll: z.array(AssertionSchema).default([]),
  })
  .strict();

/** One value or a list of accepted values; `*` in a value matches any text. */
const AcceptedValues = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** What a command's URL (curl's) must point at. Hosts may be `${kind:namespace/name}.path` references. */
export const UrlMatcherSchema = z
  .object({
    host: AcceptedValues.optional(),
    port: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional(),
    /**
     * The port this computer publishes the lab's NodePort on (normally the same number; another one when it
     * was taken): `curl http://localhost:30080/` on the laptop. Use with `port` left out.
     */
    nodePort: z.number().int().min(30000).max(32767).optional(),
    scheme: z.enum(['http', 'https']).optional(),
    path: AcceptedValues.optional(),
  })
  .strict();

const CommandMatcherFields = {
  /** The program (`kubectl` also matches the jumphost's alias `k`), or a list of accepted programs. */
  program: AcceptedValues,
  /** Positional arguments from the first, in order; more may follow. kubectl resource names are normalised (po = pod = pods). */
  args: z.array(AcceptedValues).optional(),
  /** Options by long name: a value (or list), `true` for "given", `false` for "not given". `-n x` = `--namespace=x`. */
  flags: z.record(z.string().min(1), z.union([AcceptedValues, z.boolean()])).optional(),
  /** Any positional argument is a URL that matches (curl). */
  url: UrlMatcherSchema.optional(),
  /**
   * Where it was typed: `jumphost`, `node` (any node shell), a node's name, `host` (the Host terminal, the
   * attendee's own shell on their laptop) or `browser` (a lab link Labdeck opened in the system browser,
   * recorded as `open <url>`); any terminal when omitted.
   */
  on: AcceptedValues.optional(),
};

/** A structured command matcher: the recorded line is parsed like the shell and the program would parse it. */
export const CommandMatcherSchema = z
  .object({
    ...CommandMatcherFields,
    /** The command after `--` (`kubectl exec alpine -- nslookup ...`). */
    then: z.object(CommandMatcherFields).strict().optional(),
  })
  .strict();
export type CommandMatcher = z.infer<typeof CommandMatcherSchema>;
export type UrlMatcher = z.infer<typeof UrlMatcherSchema>;

export const CommandCheckSchema = z
  .object({
    ...CheckBase,
    kind: z.literal('command'),
    /**
     * Which recorded commands count: those typed while this lab was the open one, after its first opening
     * ('lab', the default: attendees type a lab's commands in the guide's order, often before opening the
     * matching step), or only those after this step was opened ('step'). Nothing typed before, or in another
     * lab, ever satisfies the check.
     */
    since: z.enum(['step', 'lab']).default('lab'),
    /** A matcher, or a list of matchers of which any one may match. */
    command: z.union([CommandMatcherSchema, z.array(CommandMatcherSchema).min(1)]).optional(),
    /** Fallback: a regular expression (RE2 syntax) matched against each recorded line as typed. */
    pattern: z.string().min(1).optional(),
    /**
     * The exit codes that mean the command did what the check asks (0 when not given). 126, 127 and codes
     * above 128 (not executable, not found, killed by a signal) count only when listed here.
     */
    exitCode: z.union([z.number().int().min(0).max(255), z.array(z.number().int().min(0).max(255)).min(1)]).optional(),
  })
  .strict()
  .refine((check) => check.command !== undefined || check.pattern !== undefined, { message: 'a command check needs `command` (a matcher) or `pattern`' });

/** Where a probe runs: a container the attendee cannot tamper with. */
export const ProbeTargetSchema = z.union([
  z.object({ verifier: z.literal(true) }).strict(),
  z.object({ node: z.string().min(1) }).strict(),
  z.object({ pod: z.object({ namespace: z.string().default('default'), name: z.string().min(1) }).strict() }).strict(),
]);
export type ProbeTarget = z.infer<typeof ProbeTargetSchema>;

export const ProbeCheckSchema = z
  .object({
    ...CheckBase,
    kind: z.literal('probe'),
    in: ProbeTargetSchema,
    /**
     * argv; each element may reference live objects as ${kind:namespace/name}.path, e.g.
     * ${service:default/nginx}.spec.clusterIP — resolved right before the probe runs.
     */
    command: z.array(z.string()).min(1),
    expect: z
      .object({
        exitCode: z.number().int().optional(),
        outputMatches: z.string().optional(),
        /** CEL over `output` (string) and `exitCode` (int). */
        assert: z.array(AssertionSchema).default([]),
      })
      .strict(),
    timeoutSeconds: z.number().positive().max(120).default(10),
  })
  .strict();

export const HttpCheckSchema = z
  .object({
    ...CheckBase,
    kind: z.literal('http'),
    /** The Service's nodePort; Labdeck maps it to the port published on the host. */
    nodePort: z.number().int().min(30000).max(32767),
    path: z.string().startsWith('/').default('/'),
    expectStatus: z.number().int().default(200),
    bodyMatches: z.string().optional(),
  })
  .strict();

export const CheckSpecSchema = z.discriminatedUnion('kind', [
  ResourceCheckSchema,
  CommandCheckSchema,
  ProbeCheckSchema,
  HttpCheckSchema,
]);
export type CheckSpec = z.infer<typeof CheckSpecSchema>;
export type ResourceCheck = z.infer<typeof ResourceCheckSchema>;
export type CommandCheck = z.infer<typeof CommandCheckSchema>;
export type ProbeCheck = z.infer<typeof ProbeCheckSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
export type CheckKind = CheckSpec['kind'];
