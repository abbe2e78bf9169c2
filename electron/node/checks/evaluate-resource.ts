import type { ResourceCheck } from '../course-format/check-spec.ts';
import type { CheckWorld, KubeObject } from './check-world.ts';
import { celHolds, celVariables, renderMessage } from './cel.ts';
import { describeSelection, errorMessage, notFoundMessage, objectEvidence, objectName, type Verdict } from './verdict.ts';

/**
 * A resource check: select objects, then every `assert` must hold for each match and every `assertAll` for
 * the list. All failing assertion messages are joined, so the attendee sees every difference at once.
 */
export async function evaluateResource(check: ResourceCheck, world: CheckWorld): Promise<Verdict> {
  const objects = await world.listObjects(check.select);
  if (objects === null) return { status: 'skipped', message: `This source cannot list ${check.select.kind} objects` };
  const evidence = objects.map(objectEvidence);

  if (check.absent) {
    if (objects.length === 0) return { status: 'passed', message: `${describeSelection(check.select)} is gone`, evidence };
    const names = objects.map(objectName).join(', ');
    const terminating = objects.every((object) => object.metadata.deletionTimestamp !== undefined);
    const verb = objects.length === 1 ? (terminating ? 'is still terminating' : 'still exists') : terminating ? 'are still terminating' : 'still exist';
    return { status: 'failed', message: `${check.select.kind} ${names} ${verb}`, evidence };
  }

  // Nothing selected satisfies nothing: CEL's all() over an empty list is true, which would pass a check
  // about objects that do not exist. "Must not exist" is said with absent: true.
  if (objects.length === 0) {
    return { status: 'failed', message: notFoundMessage(check.select), evidence };
  }

  const failures: string[] = [];
  let hint: string | undefined;
  try {
    for (const object of objects) {
      const variables = celVariables('object', { object });
      for (const assertion of check.assert) {
        if (celHolds(assertion.that, 'object', variables)) continue;
        failures.push(renderMessage(assertion.message, 'object', variables));
        hint ??= assertion.hint;
      }
    }
    const variables = celVariables('objects', { objects });
    for (const assertion of check.assertAll) {
      if (celHolds(assertion.that, 'objects', variables)) continue;
      failures.push(renderMessage(assertion.message, 'objects', variables));
      hint ??= assertion.hint;
    }
  } catch (error) {
    return { status: 'error', message: `The check "${check.title}" could not be evaluated: ${errorMessage(error)}`, evidence };
  }
  if (failures.length > 0) return { status: 'failed', message: unique(failures).join('; '), evidence, ...(hint === undefined ? {} : { hint }) };
  return { status: 'passed', message: check.title, evidence };
}

function unique(messages: string[]): string[] {
  return [...new Set(messages)];
}

export type { KubeObject };
