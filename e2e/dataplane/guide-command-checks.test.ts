import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../electron/common/api/labs.ts';
import { CommandCheckSchema, type CommandCheck } from '../../electron/node/course-format/check-spec.ts';
import type { CheckWorld, CommandRecord } from '../../electron/node/checks/check-world.ts';
import { evaluateCheck } from '../../electron/node/checks/evaluate-check.ts';
import { selectObjects } from '../../electron/node/checks/object-filter.ts';
import { LabCatalog } from '../../electron/node/labs/lab-catalog.ts';
import type { RecordedGuideCommand } from './guide-commands.ts';
import { worldObjects } from './kube-objects.ts';
import { COURSE_DIR } from './lab-probes.ts';
import { workshopWorld } from './workshop-world.ts';

/**
 * The exit codes real tools return for the guide's own commands (fixtures/guide-commands.json, recorded in the
 * data-plane harness) against the labs' command checks, through the product's evaluator: a command check that
 * recognizes the guide's command must not demand an exit code the real tool does not return for it. This is
 * how "nslookup nginx exits 1" reaches the checks. Needs no Docker: it reads the recording.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const recorded = (JSON.parse(await fs.readFile(path.join(here, 'fixtures/guide-commands.json'), 'utf8')) as { commands: RecordedGuideCommand[] }).commands;
const catalog = await LabCatalog.load(COURSE_DIR);
const objects = worldObjects(workshopWorld());

/** The line the attendee types, and the terminal it is typed in. */
function typedRecord(entry: RecordedGuideCommand, exitCode: number): CommandRecord | undefined {
  if (!('file' in entry.source)) return undefined;
  const terminal = entry.where.startsWith('node ') ? entry.where.slice('node '.length) : 'jumphost';
  return { time: new Date(0).toISOString(), command: entry.source.text, exitCode, ...(terminal === 'jumphost' ? {} : { terminal }) };
}

function worldWith(record: CommandRecord): CheckWorld {
  return {
    listObjects: async (selector) => selectObjects(objects, selector),
    commandRecords: async () => [record],
    runProbe: async () => null,
    httpGet: async () => null,
  };
}

async function judge(check: CommandCheck, entry: RecordedGuideCommand, exitCode: number, stepId: string): Promise<CheckResult | undefined> {
  const record = typedRecord(entry, exitCode);
  return record ? evaluateCheck(check, worldWith(record), { labId: entry.labId, stepId }) : undefined;
}

/** Recognizes the guide's command with the exit code it wants, refuses it with the one the tool really returns. */
async function demandsOtherExitCode(check: CommandCheck, entry: RecordedGuideCommand, stepId: string): Promise<boolean> {
  if (check.exitCode === undefined || check.exitCode === entry.exitCode) return false;
  const wanted = await judge(check, entry, check.exitCode, stepId);
  if (wanted?.status !== 'passed') return false;
  const real = await judge(check, entry, entry.exitCode, stepId);
  return real?.status !== 'passed';
}

describe("the labs' command checks accept the real exit codes of the guide's commands", () => {
  const typed = recorded.filter((entry) => 'file' in entry.source && !entry.id.startsWith('1.9-kubectl-logs'));

  it('has recorded guide commands to judge', () => {
    expect(typed.length).toBeGreaterThan(15);
  });

  it('catches a check that wants exit code 0 from `nslookup nginx`, which busybox ends with 1', async () => {
    const entry = recorded.find((candidate) => candidate.id === '1.7-nslookup-service-short');
    expect(entry?.exitCode).toBe(1);
    const strict = CommandCheckSchema.parse({
      id: 'strict-short-name',
      title: 'You looked up nginx',
      kind: 'command',
      command: { program: 'kubectl', args: ['exec', 'alpine'], then: { program: 'nslookup', args: ['nginx'] } },
      exitCode: 0,
    });
    expect(entry && (await demandsOtherExitCode(strict, entry, 'lookup-service'))).toBe(true);
    expect(entry && (await demandsOtherExitCode({ ...strict, exitCode: 1 }, entry, 'lookup-service'))).toBe(false);
  });

  for (const entry of typed) {
    const lab = catalog.labs().find((candidate) => candidate.file.id === entry.labId);
    const steps = lab?.steps ?? [];
    const checks = steps.flatMap((step) => step.spec.checks.flatMap((check) => (check.kind === 'command' && check.exitCode !== undefined ? [{ check, stepId: step.spec.id }] : [])));
    it(`${entry.id}: \`${'file' in entry.source ? entry.source.text : ''}\` (real exit code ${entry.exitCode})`, async () => {
      expect(lab, `lab ${entry.labId} is in the course`).toBeDefined();
      const demanding: string[] = [];
      for (const { check, stepId } of checks) {
        if (await demandsOtherExitCode(check, entry, stepId)) demanding.push(`${stepId}/${check.id} wants exit code ${check.exitCode}`);
      }
      expect(demanding, `real output:\n${entry.output}`).toEqual([]);
    });
  }
});
