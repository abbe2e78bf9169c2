import type { CheckSpec } from '../course-format/check-spec.ts';
import type { YamlPath } from './yaml-source.ts';

/**
 * Lint rules that keep a green step meaning "the attendee did this": every step needs a check only the
 * attendee's own action can satisfy, and a check of something the cluster has by itself (its Nodes,
 * kube-system) must be marked `context: true` so it is shown but never counted as their work.
 */

export interface EvidenceProblem {
  /** Path below the step (e.g. ['checks', 2, 'select']). */
  at: YamlPath;
  message: string;
}

/** Selects only what exists without any attendee action: the Nodes, or objects in kube-system. */
function selectsEnvironmentOnly(check: CheckSpec): string | undefined {
  if (check.kind !== 'resource') return undefined;
  if (check.select.kind === 'Node') return 'it selects Nodes, which the cluster has without any attendee action';
  if (check.select.namespace === 'kube-system') return 'it selects objects in kube-system, which the cluster runs without any attendee action';
  return undefined;
}

export function lintStepEvidence(step: { id: string; checks: readonly CheckSpec[] }): EvidenceProblem[] {
  const problems: EvidenceProblem[] = [];
  for (const [index, check] of step.checks.entries()) {
    if (check.context) continue;
    const reason = selectsEnvironmentOnly(check);
    if (reason) problems.push({ at: ['checks', index, 'select'], message: `check ${check.id}: ${reason}; mark it \`context: true\` (shown, never counted as the attendee's work)` });
  }
  // Probes and HTTP checks are requests Labdeck itself makes, and objects may still be there from an earlier
  // lab (or be removed by Labdeck's own Clean up): only a command the attendee ran in this lab, recorded by
  // Labdeck's terminals or its editor, is evidence nothing else can produce.
  const attendeeChecks = step.checks.filter((check) => !check.context && check.kind === 'command' && check.since !== 'step');
  const stepScoped = step.checks.filter((check) => !check.context && check.kind === 'command');
  if (attendeeChecks.length === 0 && stepScoped.length === 0) {
    problems.push({
      at: ['checks'],
      message: `step ${step.id} has no check that only the attendee's own action in this lab can satisfy; add a command check (not context) for what they run or apply: objects may remain from earlier labs or be removed by Labdeck's Clean up, and probes and HTTP checks are requests Labdeck makes itself`,
    });
  }
  return problems;
}
