import type { CheckSpec } from '../course-format/check-spec.ts';
import type { LabCatalog, LoadedLab } from '../labs/lab-catalog.ts';
import { commandReferencedKinds } from './evaluate-command.ts';
import { probeReferencedKinds } from './evaluate-probe.ts';
import { isGoneCheck } from './gone-checks.ts';
import type { WatchedKind } from './informer-cache.ts';
import { kindKey } from './kube-objects.ts';

/** One check of the open lab, as the engine follows it. */
export interface TrackedCheck {
  key: string;
  labId: string;
  stepId: string;
  check: CheckSpec;
  hints: ReadonlyArray<{ text: string; forCheck?: string | undefined }>;
  /** An "is gone" check (see gone-checks.ts): it passes only with a witness of the object leaving. */
  needsWitness: boolean;
}

export const checkKey = (labId: string, stepId: string, checkId: string) => `${labId}/${stepId}/${checkId}`;

/**
 * The open lab's checks, indexed the way the engine reacts: by key, resource checks by the kind they select,
 * probes by the kinds their arguments name (an API event then touches only the checks it can affect).
 */
export function trackLab(catalog: LabCatalog, lab: LoadedLab): { tracked: Map<string, TrackedCheck>; byKind: Map<string, TrackedCheck[]>; probesByKind: Map<string, TrackedCheck[]> } {
  const tracked = new Map<string, TrackedCheck>();
  const byKind = new Map<string, TrackedCheck[]>();
  const probesByKind = new Map<string, TrackedCheck[]>();
  for (const step of lab.steps) {
    for (const check of step.spec.checks) {
      const needsWitness = check.kind === 'resource' && isGoneCheck(catalog, lab.file.id, step.spec.id, check);
      const entry: TrackedCheck = { key: checkKey(lab.file.id, step.spec.id, check.id), labId: lab.file.id, stepId: step.spec.id, check, hints: step.spec.hints, needsWitness };
      tracked.set(entry.key, entry);
      if (check.kind === 'resource') push(byKind, kindKey(check.select.apiVersion, check.select.kind), entry);
      if (check.kind === 'probe') for (const kind of probeReferencedKinds(check)) push(probesByKind, kindKey(kind.apiVersion, kind.kind), entry);
    }
  }
  return { tracked, byKind, probesByKind };
}

/** Exactly the kinds the checks select or reference: the informers the engine runs for the open lab. */
export function watchedKinds(checks: Iterable<TrackedCheck>): WatchedKind[] {
  const kinds = new Map<string, WatchedKind>();
  for (const { check } of checks) {
    if (check.kind === 'resource') kinds.set(kindKey(check.select.apiVersion, check.select.kind), { apiVersion: check.select.apiVersion, kind: check.select.kind });
    if (check.kind === 'probe') for (const kind of probeReferencedKinds(check)) kinds.set(kindKey(kind.apiVersion, kind.kind), kind);
    // A curl check accepts the pod's or Service's live address, so those kinds are watched too.
    if (check.kind === 'command') for (const kind of commandReferencedKinds(check)) kinds.set(kindKey(kind.apiVersion, kind.kind), kind);
  }
  return [...kinds.values()];
}

export const isProbeLike = (check: CheckSpec) => check.kind === 'probe' || check.kind === 'http';

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
