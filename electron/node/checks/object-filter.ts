import type { ObjectSelector } from '../course-format/check-spec.ts';
import type { KubeObject } from './check-world.ts';
import { labelSelectorMatcher } from './label-selector.ts';

/** Filters objects by a check's selector (apiVersion, kind, namespace, name, labelSelector), sorted by name. */
export function selectObjects(objects: Iterable<KubeObject>, selector: ObjectSelector): KubeObject[] {
  const labels = selector.labelSelector ? labelSelectorMatcher(selector.labelSelector) : undefined;
  const selected: KubeObject[] = [];
  for (const object of objects) {
    if (object.kind !== selector.kind || object.apiVersion !== selector.apiVersion) continue;
    if (selector.namespace !== undefined && object.metadata.namespace !== selector.namespace) continue;
    if (selector.name !== undefined && object.metadata.name !== selector.name) continue;
    if (labels && !labels(object.metadata.labels ?? {})) continue;
    selected.push(object);
  }
  return selected.sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
}
