import type { KubeObject } from '../checks/check-world.ts';
import { parseObjectReferences, REFERENCE_KINDS } from '../labs/lab-expressions.ts';

const POD_DNS = /\$\{pod-dns:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\}/g;

/**
 * The live objects a command check compared a line with, rebuilt from its evidence's `resolved` map
 * (matcher value → the text it resolved to): `${pod:default/nginx}.status.podIP` resolved to
 * "10.244.1.5" gives a Pod default/nginx with that status.podIP. Only values with one reference can be
 * taken apart; `complete` is false when some value could not, so a miss proves nothing.
 */
export function objectsFromResolved(resolved: Record<string, string | null>): { objects: KubeObject[]; complete: boolean } {
  const byKey = new Map<string, KubeObject>();
  let complete = true;
  const object = (apiVersion: string, kind: string, name: string, namespace: string | undefined): KubeObject => {
    const key = `${kind}/${namespace ?? ''}/${name}`;
    let found = byKey.get(key);
    if (!found) {
      found = { apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }) } };
      byKey.set(key, found);
    }
    return found;
  };
  /** The text standing where `source` stands in `value`, once `value` became `result`. */
  const between = (value: string, source: string, result: string): string | undefined => {
    const at = value.indexOf(source);
    const prefix = value.slice(0, at);
    const suffix = value.slice(at + source.length);
    if (!result.startsWith(prefix) || !result.endsWith(suffix) || result.length < prefix.length + suffix.length) return undefined;
    return result.slice(prefix.length, result.length - suffix.length);
  };

  for (const [value, result] of Object.entries(resolved)) {
    if (result === null) continue; // Not resolved then: the line was not accepted on it.
    const podDns = [...value.matchAll(POD_DNS)];
    let references;
    try {
      references = parseObjectReferences(value.replace(POD_DNS, ''));
    } catch {
      complete = false;
      continue;
    }
    if (podDns.length + references.length !== 1) {
      complete = false;
      continue;
    }
    const [dns] = podDns;
    if (dns) {
      const [source, namespace = '', , name = ''] = dns;
      const label = between(value, source, result)?.split('.')[0];
      if (!label) {
        complete = false;
        continue;
      }
      const pod = object('v1', 'Pod', name, namespace);
      pod.status = { ...(pod.status as object | undefined), podIP: /^\d+-\d+-\d+-\d+$/.test(label) ? label.replaceAll('-', '.') : label.replaceAll('-', ':') };
      continue;
    }
    const reference = references[0]!;
    const kind = REFERENCE_KINDS[reference.kind];
    const field = between(value, reference.source, result);
    if (!kind || field === undefined) {
      complete = false;
      continue;
    }
    let cursor: Record<string | number, unknown> = object(kind.apiVersion, kind.kind, reference.name, reference.namespace) as unknown as Record<string, unknown>;
    reference.path.forEach((key, index) => {
      if (index === reference.path.length - 1) {
        cursor[key] = field;
        return;
      }
      const next = reference.path[index + 1];
      cursor[key] ??= typeof next === 'number' ? [] : {};
      cursor = cursor[key] as Record<string | number, unknown>;
    });
  }
  return { objects: [...byKey.values()], complete };
}
