import type { LoadedLab } from '../labs/lab-catalog.ts';
import { labKinds } from './selftest.ts';

/**
 * The `kubectl get` that writes a snapshot `labdeck grade --snapshot` can grade: every kind the course's
 * checks select or reference, derived from the checks so a new check's kind is never left out.
 */

/** kubectl's resource name for a kind: plural, lower case, with the API group for non-core kinds. */
export function kubectlResource(apiVersion: string, kind: string): string {
  const lower = kind.toLowerCase();
  const plural = lower.endsWith('s') ? lower : lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return group ? `${plural}.${group}` : plural;
}

export function snapshotResources(labs: readonly LoadedLab[]): string[] {
  const resources = new Set<string>();
  for (const lab of labs) for (const kind of labKinds(lab)) resources.add(kubectlResource(kind.apiVersion, kind.kind));
  return [...resources].sort();
}

export function snapshotCommand(labs: readonly LoadedLab[], file = 'snapshot.json'): string {
  return `kubectl get ${snapshotResources(labs).join(',')} -A -o json > ${file}`;
}
