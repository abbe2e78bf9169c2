import type { CheckSpec } from '../course-format/check-spec.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { deletesSelection } from '../checks/delete-witness.ts';
import { evaluateCheck } from '../checks/evaluate-check.ts';
import { commandMatchers } from '../checks/evaluate-command.ts';
import { expectationsOf } from '../checks/api-corroboration.ts';
import { EvidenceWorld } from './evidence-world.ts';

/**
 * A recorded pass judged on its own evidence, with the course's check (issue 20: a pass needs its evidence).
 * Every check kind records what it judged: a resource check the objects (or, for an "is gone" check, the
 * delete command that witnessed it), a command check the command line, a probe its command and output, an
 * http check the answer. A pass without that evidence, or whose evidence does not pass the check again, is
 * refused. Only what evidence genuinely cannot show is "not judgeable": a probe or command naming live
 * objects whose values were not recorded.
 */
export type EvidenceJudgement = { verdict: 'confirmed' } | { verdict: 'not-judgeable'; reason: string } | { verdict: 'refused'; reason: string };

/** Share and count of not-judgeable passes above which a report is flagged (README, reports/README.md). */
export const NOT_JUDGEABLE_LIMIT = { share: 0.1, atLeast: 3 } as const;

/** Whether a report's not-judgeable passes exceed the documented limit: more than 10 % of them, and 3 or more. */
export function tooManyNotJudgeable(counts: { confirmed: number; notJudgeable: number }): boolean {
  const judged = counts.confirmed + counts.notJudgeable;
  return counts.notJudgeable >= NOT_JUDGEABLE_LIMIT.atLeast && counts.notJudgeable > judged * NOT_JUDGEABLE_LIMIT.share;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function isCommandRecord(value: unknown): value is CommandRecord {
  const candidate = record(value);
  return candidate !== undefined && typeof candidate.command === 'string' && typeof candidate.exitCode === 'number' && typeof candidate.time === 'string';
}

/** What the check kind must have recorded, or why the evidence is not that. */
function missingEvidence(check: CheckSpec, evidence: unknown): string | undefined {
  const fields = record(evidence);
  switch (check.kind) {
    case 'resource':
      if (Array.isArray(evidence)) return undefined;
      if (check.absent && isCommandRecord(fields?.deletedBy)) return undefined;
      return check.absent ? 'no objects and no delete command were recorded' : 'no objects were recorded';
    case 'command':
      return isCommandRecord(fields?.matched) ? undefined : 'no command line was recorded';
    case 'probe':
      return fields && Array.isArray(fields.argv) && typeof fields.exitCode === 'number' && typeof fields.output === 'string' ? undefined : 'no probe command and output were recorded';
    case 'http':
      return fields && typeof fields.status === 'number' && typeof fields.body === 'string' ? undefined : 'no HTTP answer was recorded';
  }
}

/** A value naming a live object (`${pod:default/nginx}.status.podIP`) in a command matcher or a probe. */
function namesLiveObjects(check: CheckSpec): boolean {
  if (check.kind === 'command') return commandMatchers(check).some((matcher) => JSON.stringify(matcher).includes('${'));
  if (check.kind === 'probe') return JSON.stringify(check).includes('${');
  return false;
}

export async function judgeEvidence(check: CheckSpec, evidence: unknown, where: { labId: string; stepId: string }): Promise<EvidenceJudgement> {
  const name = `${where.labId}/${where.stepId}/${check.id}`;
  const missing = missingEvidence(check, evidence);
  if (missing) return { verdict: 'refused', reason: `check ${name} passed without its evidence: ${missing}` };
  // An "is gone" check witnessed by a delete command: that command must delete what the check selects, and succeed.
  const deletedBy = check.kind === 'resource' && check.absent ? record(evidence)?.deletedBy : undefined;
  if (check.kind === 'resource' && isCommandRecord(deletedBy)) {
    if (deletedBy.exitCode === 0 && deletesSelection(deletedBy, check.select)) return { verdict: 'confirmed' };
    return { verdict: 'refused', reason: `check ${name}: the recorded delete command \`${deletedBy.command.slice(0, 200)}\` (exit ${deletedBy.exitCode}) does not delete what the check selects` };
  }
  const world = new EvidenceWorld(evidence);
  const result = await evaluateCheck(check, world, where);
  if (result.status === 'passed') return { verdict: 'confirmed' };
  const live = namesLiveObjects(check) && !world.resolvedComplete;
  // A probe naming live objects cannot look them up here (waiting); a command compared with live values that
  // were not recorded may miss on the evidence alone. Both are honest "cannot tell", never a pass.
  if (live && (result.status === 'waiting' || result.status === 'failed')) return { verdict: 'not-judgeable', reason: result.message };
  if (result.status === 'failed') return { verdict: 'refused', reason: `the recorded evidence does not pass check ${name}: ${result.message}` };
  return { verdict: 'refused', reason: `the recorded evidence of check ${name} cannot be judged (${result.status}): ${result.message}` };
}

/**
 * Whether a confirmed command pass rests on the API server's word: `seen` when its kubectl command carries
 * the audited request it made (re-checked by the check itself), `unseen` when it names a kubectl command that
 * asks the server but carries no request (a cluster without Labdeck's audit log, e.g. `--kubeconfig`, or
 * evidence edited), undefined for every other pass.
 */
export function apiCorroboration(check: CheckSpec, evidence: unknown): 'seen' | 'unseen' | undefined {
  if (check.kind !== 'command') return undefined;
  const matched = record(evidence)?.matched;
  if (!isCommandRecord(matched)) return undefined;
  if (expectationsOf(matched).length === 0) return undefined;
  return Array.isArray(matched.apiRequests) && matched.apiRequests.length > 0 ? 'seen' : 'unseen';
}

/** How many confirmed kubectl passes the API server's audit log corroborates, and how many it does not. */
export interface ApiTally {
  kubectlSeen: number;
  kubectlUnseen: number;
}

export function tallyApi(tally: ApiTally, check: CheckSpec, evidence: unknown): void {
  const seen = apiCorroboration(check, evidence);
  if (seen === 'seen') tally.kubectlSeen++;
  else if (seen === 'unseen') tally.kubectlUnseen++;
}

export interface RefusedPass {
  seq: number;
  labId: string;
  stepId: string;
  checkId: string;
  reason: string;
}

/**
 * Every recorded pass of a journal judged on its evidence (`labdeck grade --journal`): the passes to refuse,
 * and how many could not be judged. A pass of a check the course does not have is refused too.
 */
export async function judgeJournalPasses(
  entries: ReadonlyArray<{ seq: number; type: string; labId: string; stepId?: string; checkId?: string; evidence?: unknown }>,
  checkOf: (labId: string, stepId: string, checkId: string) => CheckSpec | undefined,
): Promise<{ refused: RefusedPass[]; confirmed: number; notJudgeable: number } & ApiTally> {
  const refused: RefusedPass[] = [];
  let confirmed = 0;
  let notJudgeable = 0;
  const tally: ApiTally = { kubectlSeen: 0, kubectlUnseen: 0 };
  for (const entry of entries) {
    if (entry.type !== 'check-passed' || entry.stepId === undefined || entry.checkId === undefined) continue;
    const where = { seq: entry.seq, labId: entry.labId, stepId: entry.stepId, checkId: entry.checkId };
    const check = checkOf(entry.labId, entry.stepId, entry.checkId);
    if (!check) {
      refused.push({ ...where, reason: `lab ${entry.labId} step ${entry.stepId} has no check "${entry.checkId}" in this course` });
      continue;
    }
    const judgement = await judgeEvidence(check, entry.evidence, { labId: entry.labId, stepId: entry.stepId });
    if (judgement.verdict === 'confirmed') {
      confirmed++;
      tallyApi(tally, check, entry.evidence);
    } else if (judgement.verdict === 'not-judgeable') notJudgeable++;
    else refused.push({ ...where, reason: judgement.reason });
  }
  return { refused, confirmed, notJudgeable, ...tally };
}
