import type { LabCatalog } from '../labs/lab-catalog.ts';
import { compareLabIds } from '../labs/lab-catalog.ts';
import type { ObjectSelector, ResourceCheck } from '../course-format/check-spec.ts';

/**
 * Which `absent` checks say "is gone" (the attendee deletes something the course had them create) and which
 * are guards ("must not exist": mypod not in default, no Service range-test after a refused create). Only an
 * "is gone" check needs a witness before it passes; a guard holds when nothing matches, as written.
 *
 * An absent check is "is gone" when an earlier step of the course (an earlier lab, or an earlier step of its
 * own lab) has a non-absent resource check of the same objects: same apiVersion and kind, the same
 * namespace (or either names none) and the same name or label selector.
 */
export function isGoneCheck(catalog: Pick<LabCatalog, 'labs'>, labId: string, stepId: string, check: ResourceCheck): boolean {
  if (!check.absent || check.context) return false;
  for (const lab of catalog.labs()) {
    const order = compareLabIds(lab.file.id, labId);
    if (order > 0) continue;
    for (const step of lab.file.steps) {
      if (order === 0 && step.id === stepId) break;
      for (const earlier of step.checks) {
        if (earlier.kind === 'resource' && !earlier.absent && sameObjects(earlier.select, check.select)) return true;
      }
    }
  }
  return false;
}

function sameObjects(a: ObjectSelector, b: ObjectSelector): boolean {
  if (a.apiVersion !== b.apiVersion || a.kind !== b.kind) return false;
  if (a.namespace !== undefined && b.namespace !== undefined && a.namespace !== b.namespace) return false;
  if (b.name !== undefined) return a.name === b.name;
  if (b.labelSelector !== undefined) return a.labelSelector === b.labelSelector;
  return true;
}
