import path from 'node:path';
import { z } from 'zod';
import { LabdeckError } from '../../common/errors.ts';
import type { CommandRecord, KubeObject, ProbeOutcome } from '../checks/check-world.ts';
import { CourseFileTooLargeError, readTextBounded } from '../labs/course-paths.ts';
import { formatProblem, YamlSource } from '../labs/yaml-source.ts';

/**
 * labs/<lab>/selftest.yaml: recorded worlds that prove each step's checks right. For every step:
 *  - `before`: the state before the attendee does the step; its checks must fail;
 *  - `solution`: the state after following the solution; every check must pass;
 *  - `distractors`: near-misses (wrong image tag, replica count, namespace, port, selector, label, type);
 *    each names the checks that must fail and text their failure message must mention.
 * A world is written as a change of an earlier world (`from`), so fixtures stay short; loadSelftest()
 * resolves every world into complete lists, so runners never deal with patches.
 * Objects carry `status` as controllers would have written it: the API test double simulates no controllers.
 */

const KubeObjectSchema = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.object({ name: z.string().min(1), namespace: z.string().min(1).optional() }).loose(),
  })
  .loose();

/** Names an object of the world being changed; kind and name are enough, namespace defaults to any. */
const ObjectMatchSchema = z
  .object({ kind: z.string().min(1), name: z.string().min(1), namespace: z.string().min(1).optional() })
  .strict();

const CommandSchema = z.union([
  z.string().min(1),
  z
    .object({
      command: z.string().min(1),
      exitCode: z.number().int().default(0),
      time: z.string().optional(),
      /** The terminal it was typed in: a node's name (master1, worker1, worker2); the jumphost when omitted. */
      terminal: z.string().min(1).optional(),
      /** bash's PIPESTATUS for a line with a pipe, as the jumphost's recorder writes it. */
      pipeStatus: z.array(z.number().int()).optional(),
    })
    .strict(),
]);

/** The recorded outcome of a probe check; `argv`, when given, is what the probe must have resolved to. */
const ProbeRecordSchema = z
  .object({
    check: z.string().min(1),
    argv: z.array(z.string()).optional(),
    exitCode: z.number().int().default(0),
    output: z.string().default(''),
  })
  .strict();

const HttpRecordSchema = z
  .object({
    nodePort: z.number().int().min(30000).max(32767),
    path: z.string().startsWith('/').default('/'),
    status: z.number().int(),
    body: z.string().default(''),
  })
  .strict();

/**
 * A world, either complete or as changes to another one. `from` is "<step>.before", "<step>.solution" or
 * "empty"; a distractor's world starts from its step's solution unless it says otherwise. Changes apply in
 * the order remove, patch (JSON merge patch; arrays are replaced whole), add. commands/probes/http, when
 * given, replace the inherited lists.
 */
export const SelftestWorldSchema = z
  .object({
    from: z.string().min(1).optional(),
    objects: z.array(KubeObjectSchema).optional(),
    remove: z.array(ObjectMatchSchema).default([]),
    patch: z.array(z.object({ object: ObjectMatchSchema, merge: z.record(z.string(), z.unknown()) }).strict()).default([]),
    add: z.array(KubeObjectSchema).default([]),
    commands: z.array(CommandSchema).optional(),
    probes: z.array(ProbeRecordSchema).optional(),
    http: z.array(HttpRecordSchema).optional(),
  })
  .strict();

export const SelftestExpectationSchema = z
  .object({
    check: z.string().min(1),
    /** Every string must appear in the check's failure message (case-sensitive). */
    mentions: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const SelftestStepSchema = z
  .object({
    step: z.string().min(1),
    before: SelftestWorldSchema.extend({
      /** Checks that must not pass before the step; defaults to every check of the step. */
      failing: z.array(z.string().min(1)).optional(),
    }),
    solution: SelftestWorldSchema,
    distractors: z
      .array(
        SelftestWorldSchema.extend({
          name: z.string().min(1),
          expect: z.array(SelftestExpectationSchema).min(1),
        }),
      )
      .default([]),
  })
  .strict();

export const SelftestFileSchema = z.object({ steps: z.array(SelftestStepSchema).min(1) }).strict();
export type SelftestFile = z.infer<typeof SelftestFileSchema>;

/** A complete world as a runner feeds it to the API test double and the fake command/probe/http sources. */
export interface SelftestWorld {
  objects: KubeObject[];
  commands: CommandRecord[];
  probes: Array<{ check: string; argv?: string[]; outcome: ProbeOutcome }>;
  http: Array<{ nodePort: number; path: string; status: number; body: string }>;
}

export interface SelftestDistractor {
  name: string;
  world: SelftestWorld;
  expect: Array<{ check: string; mentions: string[] }>;
}

export interface StepSelftest {
  step: string;
  before: { world: SelftestWorld; failing: string[] | undefined };
  solution: { world: SelftestWorld };
  distractors: SelftestDistractor[];
}

export interface LabSelftest {
  /** Absolute path of the selftest.yaml it came from. */
  file: string;
  steps: StepSelftest[];
}

export const SELFTEST_FILE_NAME = 'selftest.yaml';

const EMPTY_WORLD: SelftestWorld = { objects: [], commands: [], probes: [], http: [] };
const FIXED_TIME = '2026-01-01T00:00:00.000Z';

function matches(object: KubeObject, match: z.infer<typeof ObjectMatchSchema>): boolean {
  return (
    object.kind === match.kind &&
    object.metadata.name === match.name &&
    (match.namespace === undefined || (object.metadata.namespace ?? 'default') === match.namespace)
  );
}

/** RFC 7386 JSON merge patch: objects merge, null deletes, everything else (arrays included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const result: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

class SelftestError extends Error {
  constructor(
    readonly at: ReadonlyArray<string | number>,
    message: string,
  ) {
    super(message);
  }
}

function resolveWorld(
  spec: z.infer<typeof SelftestWorldSchema>,
  defaultFrom: SelftestWorld,
  named: ReadonlyMap<string, SelftestWorld>,
  at: ReadonlyArray<string | number>,
): SelftestWorld {
  let base = defaultFrom;
  if (spec.from !== undefined) {
    const found = spec.from === 'empty' ? EMPTY_WORLD : named.get(spec.from);
    if (!found) throw new SelftestError([...at, 'from'], `"${spec.from}" names no earlier world; use "empty" or "<step>.before" / "<step>.solution" of a step above`);
    base = found;
  }
  let objects: KubeObject[] = structuredClone(spec.objects ? (spec.objects as KubeObject[]) : base.objects);
  for (const [index, removal] of spec.remove.entries()) {
    const kept = objects.filter((object) => !matches(object, removal));
    if (kept.length === objects.length) throw new SelftestError([...at, 'remove', index], `no ${removal.kind} "${removal.name}" to remove`);
    objects = kept;
  }
  for (const [index, { object: match, merge }] of spec.patch.entries()) {
    const position = objects.findIndex((object) => matches(object, match));
    if (position < 0) throw new SelftestError([...at, 'patch', index], `no ${match.kind} "${match.name}" to patch`);
    objects[position] = mergePatch(objects[position], merge) as KubeObject;
  }
  objects.push(...structuredClone(spec.add as KubeObject[]));
  return {
    objects,
    commands: spec.commands
      ? spec.commands.map((entry) => (typeof entry === 'string' ? { command: entry, exitCode: 0, time: FIXED_TIME } : { command: entry.command, exitCode: entry.exitCode, time: entry.time ?? FIXED_TIME, ...(entry.terminal ? { terminal: entry.terminal } : {}), ...(entry.pipeStatus ? { pipeStatus: entry.pipeStatus } : {}) }))
      : structuredClone(base.commands),
    probes: spec.probes
      ? spec.probes.map((probe) => ({ check: probe.check, ...(probe.argv ? { argv: probe.argv } : {}), outcome: { exitCode: probe.exitCode, output: probe.output } }))
      : structuredClone(base.probes),
    http: spec.http ? spec.http.map((entry) => ({ ...entry })) : structuredClone(base.http),
  };
}

/** Parses and resolves selftest text; problems are thrown as LabdeckError listing file:line:col lines. */
export function parseSelftest(file: string, text: string, displayFile: string = file): LabSelftest {
  const source = YamlSource.parse(displayFile, text);
  const fail = (problems: ReturnType<YamlSource['syntaxProblems']>): never => {
    throw new LabdeckError('internal', `${displayFile} is not a valid self-test:\n${problems.map(formatProblem).join('\n')}`, {
      action: 'Fix the self-test file; labs/README.md describes its format.',
      details: { problems },
    });
  };
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) fail(syntax);
  const parsed = SelftestFileSchema.safeParse(source.toJS());
  if (!parsed.success) return fail(source.schemaProblems(parsed.error.issues));

  const named = new Map<string, SelftestWorld>();
  const steps: StepSelftest[] = [];
  let previous: SelftestWorld = EMPTY_WORLD;
  try {
    for (const [index, step] of parsed.data.steps.entries()) {
      const at = ['steps', index] as const;
      // By default a step starts where the previous step's solution left the cluster.
      const before = resolveWorld(step.before, previous, named, [...at, 'before']);
      named.set(`${step.step}.before`, before);
      const solution = resolveWorld(step.solution, before, named, [...at, 'solution']);
      named.set(`${step.step}.solution`, solution);
      const distractors = step.distractors.map((distractor, distractorIndex) => ({
        name: distractor.name,
        world: resolveWorld(distractor, solution, named, [...at, 'distractors', distractorIndex]),
        expect: distractor.expect,
      }));
      steps.push({ step: step.step, before: { world: before, failing: step.before.failing }, solution: { world: solution }, distractors });
      previous = solution;
    }
  } catch (error) {
    if (error instanceof SelftestError) return fail([source.problemAt(error.at, error.message)]);
    throw error;
  }
  return { file, steps };
}

/** Reads <labDir>/selftest.yaml; undefined when the lab has none (lint reports that separately). */
export async function loadSelftest(labDir: string): Promise<LabSelftest | undefined> {
  const file = path.join(labDir, SELFTEST_FILE_NAME);
  let text: string;
  try {
    text = await readTextBounded(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof CourseFileTooLargeError) {
      const problems = [{ file, line: 1, column: 1, message: `${SELFTEST_FILE_NAME} is too large: ${error.message}` }];
      throw new LabdeckError('invalid-request', `${file} is not a valid self-test:\n${problems.map(formatProblem).join('\n')}`, { action: 'Keep self-tests small; labs/README.md describes their format.', details: { problems } });
    }
    throw error;
  }
  return parseSelftest(file, text);
}
