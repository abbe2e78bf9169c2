import type { CheckResult } from '../../common/api/labs.ts';
import type { CheckSpec } from '../course-format/check-spec.ts';
import { WorldNotReadyError, type CheckContext, type CheckWorld, type EvaluateCheck } from './check-world.ts';
import { evaluateCommand } from './evaluate-command.ts';
import { evaluateHttp } from './evaluate-http.ts';
import { evaluateProbe } from './evaluate-probe.ts';
import { evaluateResource } from './evaluate-resource.ts';
import { errorMessage, type Verdict } from './verdict.ts';

async function verdictOf(check: CheckSpec, world: CheckWorld): Promise<Verdict> {
  switch (check.kind) {
    case 'resource':
      return evaluateResource(check, world);
    case 'command':
      return evaluateCommand(check, world);
    case 'probe':
      if (world.probes === false) return { status: 'skipped', message: `Probes need the running lab environment; "${check.title}" was not run` };
      return evaluateProbe(check, world);
    case 'http':
      return evaluateHttp(check, world);
  }
}

/** Evaluates one check; never throws. A world that is not ready makes it `waiting`, anything else `error`. */
export const evaluateCheck: EvaluateCheck = async (check: CheckSpec, world: CheckWorld, context: CheckContext): Promise<CheckResult> => {
  let verdict: Verdict;
  try {
    verdict = await verdictOf(check, world);
  } catch (error) {
    verdict =
      error instanceof WorldNotReadyError
        ? { status: 'waiting', message: error.message }
        : { status: 'error', message: `The check "${check.title}" broke: ${errorMessage(error)}` };
  }
  return toResult(check, verdict, context);
};

/** Every hint the step attached to this check, in the step's order (not only the first). */
function stepHints(checkId: string, context: CheckContext): string | undefined {
  const texts = (context.hints ?? []).filter((candidate) => candidate.forCheck === checkId).map((candidate) => candidate.text);
  return texts.length === 0 ? undefined : texts.join('\n\n');
}

export function toResult(check: CheckSpec, verdict: Verdict, context: CheckContext, at: Date = new Date()): CheckResult {
  const hint = verdict.status === 'failed' ? (verdict.hint ?? stepHints(check.id, context)) : undefined;
  return {
    labId: context.labId,
    stepId: context.stepId,
    checkId: check.id,
    kind: check.kind,
    status: verdict.status,
    message: verdict.message,
    ...(verdict.evidence === undefined ? {} : { evidence: verdict.evidence }),
    ...(hint === undefined ? {} : { hint }),
    at: at.toISOString(),
  };
}
