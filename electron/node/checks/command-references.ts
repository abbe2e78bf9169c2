import { parseObjectReferences, REFERENCE_KINDS, resolveObjectReferences } from '../labs/lab-expressions.ts';
import type { CommandMatcher } from '../course-format/check-spec.ts';
import type { CheckWorld } from './check-world.ts';
import type { ResolvedValues } from './command-match.ts';

/**
 * Values of a command matcher that name live objects instead of fixed text, resolved right before matching:
 * `${kind:namespace/name}.path` (as in probes: `${pod:default/nginx}.status.podIP`), and
 * `${pod-dns:namespace/name}`, the pod's DNS name built from its IP (`10-244-1-5.default.pod.cluster.local`),
 * so a check can insist on the attendee's own pod rather than any name CoreDNS would answer.
 */

const POD_DNS = /\$\{pod-dns:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\}/g;

type Matcherish = Omit<CommandMatcher, 'then'>;

/** Every matcher value that contains a reference (URL hosts, arguments, option values), with where it is. */
export function referenceValues(matcher: CommandMatcher): string[] {
  const values: string[] = [];
  const collect = (fields: Matcherish | undefined) => {
    if (!fields) return;
    const add = (value: string | readonly string[] | boolean | undefined) => {
      if (value === undefined || typeof value === 'boolean') return;
      for (const entry of typeof value === 'string' ? [value] : value) if (entry.includes('${')) values.push(entry);
    };
    add(fields.url?.host);
    for (const arg of fields.args ?? []) add(arg);
    for (const value of Object.values(fields.flags ?? {})) add(value);
  };
  collect(matcher);
  collect(matcher.then);
  return values;
}

/** Why a value's references are malformed, or undefined (lint reports it at the value). */
export function referenceProblem(value: string): string | undefined {
  try {
    parseObjectReferences(value.replace(POD_DNS, ''));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Kinds the references read; the engine watches them so values resolve against current objects. */
export function referencedKinds(matchers: readonly CommandMatcher[]): Array<{ apiVersion: string; kind: string }> {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const value of matchers.flatMap(referenceValues)) {
    if (value.replace(POD_DNS, '') !== value) kinds.set('v1/Pod', { apiVersion: 'v1', kind: 'Pod' });
    for (const reference of safeReferences(value.replace(POD_DNS, ''))) {
      const known = REFERENCE_KINDS[reference.kind];
      if (known) kinds.set(`${known.apiVersion}/${known.kind}`, { apiVersion: known.apiVersion, kind: known.kind });
    }
  }
  return [...kinds.values()];
}

/** The key under which the port published for `nodePort` on this computer is resolved. */
export function publishedPortKey(nodePort: number): string {
  return `published-port:${nodePort}`;
}

function publishedNodePorts(matchers: readonly CommandMatcher[]): number[] {
  const ports = new Set<number>();
  for (const matcher of matchers) {
    for (const fields of [matcher, matcher.then]) if (fields?.url?.nodePort !== undefined) ports.add(fields.url.nodePort);
  }
  return [...ports];
}

/** Resolves every referencing value; one that cannot be resolved now (no such object yet) stays undefined. */
export async function resolveReferenceValues(matchers: readonly CommandMatcher[], world: CheckWorld): Promise<ResolvedValues> {
  const resolved = new Map<string, string | undefined>();
  for (const nodePort of publishedNodePorts(matchers)) {
    const key = publishedPortKey(nodePort);
    // A world that cannot tell (a snapshot) leaves the NodePort's own number as the port to expect.
    resolved.set(key, String((await world.publishedPort?.(nodePort).catch(() => null)) ?? nodePort));
  }
  for (const value of matchers.flatMap(referenceValues)) {
    if (resolved.has(value)) continue;
    try {
      resolved.set(value, await resolveValue(value, world));
    } catch {
      // An object that cannot be read now only means this value cannot be accepted yet.
      resolved.set(value, undefined);
    }
  }
  return resolved;
}

async function resolveValue(value: string, world: CheckWorld): Promise<string | undefined> {
  let text = value;
  for (const match of [...value.matchAll(POD_DNS)]) {
    const [source, namespace = '', , name = ''] = match;
    const pods = await world.listObjects({ apiVersion: 'v1', kind: 'Pod', namespace, name });
    const status = pods?.[0]?.status as { podIP?: unknown } | undefined;
    if (typeof status?.podIP !== 'string' || status.podIP === '') return undefined;
    text = text.replace(source, `${status.podIP.replaceAll('.', '-').replaceAll(':', '-')}.${namespace}.pod.cluster.local`);
  }
  const result = await resolveObjectReferences(text, async (reference, kind) => {
    const objects = await world.listObjects({ apiVersion: kind.apiVersion, kind: kind.kind, name: reference.name, ...(reference.namespace ? { namespace: reference.namespace } : {}) });
    return objects?.[0];
  });
  return result.ok ? result.value : undefined;
}

function safeReferences(value: string) {
  try {
    return parseObjectReferences(value);
  } catch {
    return [];
  }
}
