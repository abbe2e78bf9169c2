import { parseObjectReferences, REFERENCE_KINDS, resolveObjectReferences } from '../labs/lab-expressions.ts';
import type { ProbeCheck } from '../course-format/check-spec.ts';
import { WorldNotReadyError, type CheckWorld } from './check-world.ts';
import { celHolds, celVariables, renderMessage } from './cel.ts';
import { labRegexTest } from './lab-regex.ts';
import { clip, errorMessage, type Verdict } from './verdict.ts';

export type ResolvedArgv = { ok: true; argv: string[] } | { ok: false; status: 'failed' | 'waiting'; reason: string };

/**
 * Replaces ${kind:namespace/name}.path references with live values. An object that does not exist means the
 * attendee has not created it (failed); an object without the field yet (a Service with no clusterIP, a
 * pending pod with no IP) means the cluster is still working on it (waiting).
 */
export async function resolveProbeArgv(command: readonly string[], world: CheckWorld): Promise<ResolvedArgv> {
  const argv: string[] = [];
  for (const argument of command) {
    let missingObject = false;
    let unanswerable = false;
    const resolved = await resolveObjectReferences(argument, async (reference, kind) => {
      const objects = await world.listObjects({ apiVersion: kind.apiVersion, kind: kind.kind, name: reference.name, ...(reference.namespace ? { namespace: reference.namespace } : {}) });
      if (objects === null) unanswerable = true;
      const found = objects?.[0];
      if (!found) missingObject = true;
      return found;
    });
    if (!resolved.ok) {
      if (unanswerable) return { ok: false, status: 'waiting', reason: `cannot look up ${argument}: this source lists no objects` };
      return { ok: false, status: missingObject ? 'failed' : 'waiting', reason: resolved.reason };
    }
    argv.push(resolved.value);
  }
  return { ok: true, argv };
}

/** The object kinds a probe's arguments reference (the engine re-runs the probe when one of them changes). */
export function probeReferencedKinds(check: ProbeCheck): Array<{ apiVersion: string; kind: string }> {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const argument of check.command) {
    for (const reference of parseObjectReferences(argument)) {
      const known = REFERENCE_KINDS[reference.kind];
      if (known) kinds.set(`${known.apiVersion}/${known.kind}`, { apiVersion: known.apiVersion, kind: known.kind });
    }
  }
  return [...kinds.values()];
}

function describeTarget(check: ProbeCheck): string {
  if ('verifier' in check.in) return 'the verifier';
  if ('node' in check.in) return `node ${check.in.node}`;
  return `pod ${check.in.pod.namespace}/${check.in.pod.name}`;
}

/** A probe check: run argv in a container the attendee cannot tamper with and judge exit code and output. */
export async function evaluateProbe(check: ProbeCheck, world: CheckWorld): Promise<Verdict> {
  let resolved: ResolvedArgv;
  try {
    resolved = await resolveProbeArgv(check.command, world);
  } catch (error) {
    if (error instanceof WorldNotReadyError) return { status: 'waiting', message: error.message };
    return { status: 'error', message: `The check "${check.title}" has an invalid object reference: ${errorMessage(error)}` };
  }
  if (!resolved.ok) return { status: resolved.status, message: `${check.title}: ${resolved.reason}` };
  const { argv } = resolved;

  let outcome;
  try {
    outcome = await world.runProbe(check.in, argv, check.timeoutSeconds * 1000);
  } catch (error) {
    if (error instanceof WorldNotReadyError) return { status: 'waiting', message: error.message, evidence: { argv } };
    return { status: 'error', message: `Could not run \`${argv.join(' ')}\` in ${describeTarget(check)}: ${errorMessage(error)}`, evidence: { argv } };
  }
  if (outcome === null) return { status: 'skipped', message: `Probes need the running lab environment; \`${argv.join(' ')}\` was not run` };
  const evidence = { argv, in: describeTarget(check), exitCode: outcome.exitCode, output: clip(outcome.output) };

  const failures: string[] = [];
  let hint: string | undefined;
  if (check.expect.exitCode !== undefined && outcome.exitCode !== check.expect.exitCode) {
    failures.push(`\`${argv.join(' ')}\` in ${describeTarget(check)} exited with code ${outcome.exitCode}, expected ${check.expect.exitCode}${lastLine(outcome.output)}`);
  }
  try {
    if (check.expect.outputMatches !== undefined && !labRegexTest(check.expect.outputMatches, outcome.output)) {
      failures.push(`the output of \`${argv.join(' ')}\` does not match /${check.expect.outputMatches}/${lastLine(outcome.output)}`);
    }
    const variables = celVariables('probe', { output: outcome.output, exitCode: outcome.exitCode });
    for (const assertion of check.expect.assert) {
      if (celHolds(assertion.that, 'probe', variables)) continue;
      failures.push(renderMessage(assertion.message, 'probe', variables));
      hint ??= assertion.hint;
    }
  } catch (error) {
    return { status: 'error', message: `The check "${check.title}" could not be evaluated: ${errorMessage(error)}`, evidence };
  }
  if (failures.length > 0) return { status: 'failed', message: failures.join('; '), evidence, ...(hint === undefined ? {} : { hint }) };
  return { status: 'passed', message: check.title, evidence };
}

function lastLine(output: string): string {
  const line = output.trim().split('\n').at(-1)?.trim();
  return line ? ` (it said: ${clip(line, 200)})` : '';
}
