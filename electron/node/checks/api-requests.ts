import { isKnownKubectlResource, kubectlResource, type Invocation } from './command-grammar.ts';
import { wordText, type Word } from './command-line.ts';

/**
 * One request the API server wrote to its audit log (env/api-audit-log.ts): what a kubectl command really
 * did, seen by the server rather than told by the attendee's shell.
 */
export interface ApiRequest {
  auditID: string;
  verb: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The first source address: which machine of the lab sent it. */
  sourceIP: string;
  userAgent: string;
  /** ISO-8601 time the API server received it. */
  receivedAt: string;
  /** The HTTP status the API server answered with. */
  code?: number;
}

/** What a kubectl command must have asked the API server for to count as done. */
export interface ApiRequestExpectation {
  /** A request that changes state (create, update, patch, delete). */
  writes: boolean;
  /** The object types it names (`pods`), when Labdeck knows them by name. */
  resources?: string[];
  /** The objects it names; some request must be for one of them. */
  names?: string[];
  /** From -n / --namespace: a namespaced request must be in it. */
  namespace?: string;
  /** exec, log, portforward, attach: the pod's subresource the command opens. */
  subresource?: string;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
/** kubectl commands that work without the API server: nothing there can corroborate them. */
const LOCAL_COMMANDS = new Set(['config', 'completion', 'help', 'plugin', 'kustomize', 'options', 'proxy']);
const POD_SUBRESOURCES: Record<string, string> = { exec: 'exec', logs: 'log', 'port-forward': 'portforward', attach: 'attach', cp: 'exec' };
const READS = new Set(['get', 'describe', 'edit', 'wait']);
const WRITES_ON_NAMED = new Set(['delete', 'label', 'annotate', 'patch', 'scale', 'set', 'autoscale', 'cordon', 'uncordon', 'drain', 'taint', 'replace']);
const ROLLOUT_WRITES = new Set(['restart', 'undo', 'pause', 'resume']);

const text = (word: Word | undefined): string | undefined => (word ? (wordText(word) ?? undefined) : undefined);

/** The namespace the command names with -n / --namespace, unless -A asks for all of them. */
function namespaceOf(invocation: Invocation): string | undefined {
  if (invocation.flags.has('all-namespaces')) return undefined;
  const value = invocation.flags.get('namespace')?.at(-1);
  return value && value !== true ? text(value) : undefined;
}

/** Known resource names among a comma-separated type word (`pods,svc`); undefined when any is unknown. */
function resourcesOf(word: Word | undefined): string[] | undefined {
  const type = text(word);
  if (!type) return undefined;
  const names = kubectlResource(type).split(',');
  return names.every(isKnownKubectlResource) ? names : undefined;
}

/** Plain object names among positional words (a word with an unexpanded variable names nothing certain). */
function namesOf(words: readonly Word[]): string[] | undefined {
  const names = words.map(text).filter((name): name is string => Boolean(name) && !name!.includes('/'));
  return names.length > 0 && names.length === words.length ? names : undefined;
}

/**
 * The request a kubectl invocation makes, or null when it makes none (`kubectl config view`, `kubectl
 * version --client`): such a command is credited by the terminal's record alone.
 */
export function apiRequestExpectation(invocation: Invocation): ApiRequestExpectation | null {
  if (invocation.program !== 'kubectl') return null;
  const args = invocation.args;
  const verb = text(args[0]);
  if (!verb || LOCAL_COMMANDS.has(verb)) return null;
  if (verb === 'version' && invocation.flags.has('client')) return null;
  const namespace = namespaceOf(invocation);
  const scoped = (expectation: ApiRequestExpectation): ApiRequestExpectation => (namespace ? { ...expectation, namespace } : expectation);
  const fromFile = invocation.flags.has('filename') || invocation.flags.has('kustomize');

  const subresource = POD_SUBRESOURCES[verb];
  if (subresource) {
    // `kubectl exec deploy/web` picks a pod itself: only the subresource is certain.
    const pod = verb === 'cp' ? undefined : namesOf(args.slice(1, 2));
    return scoped({ writes: false, subresource, ...(pod ? { names: pod } : {}) });
  }
  if (verb === 'rollout') {
    const resources = resourcesOf(args[2]);
    const names = namesOf(args.slice(3));
    return scoped({ writes: ROLLOUT_WRITES.has(text(args[1]) ?? ''), ...(resources ? { resources } : {}), ...(names ? { names } : {}) });
  }
  if (READS.has(verb) || WRITES_ON_NAMED.has(verb)) {
    const writes = WRITES_ON_NAMED.has(verb);
    if (fromFile) return scoped({ writes });
    // cordon/drain/taint name nodes directly; the others name a type first.
    const nodeVerb = ['cordon', 'uncordon', 'drain'].includes(verb);
    const resources = nodeVerb ? ['nodes'] : resourcesOf(args[1]);
    const names = namesOf(args.slice(nodeVerb ? 1 : 2).filter((word) => !/[=:]/.test(text(word) ?? '')));
    return scoped({ writes, ...(resources ? { resources } : {}), ...(names ? { names } : {}) });
  }
  if (verb === 'create') {
    if (fromFile) return scoped({ writes: true });
    const generator = text(args[1]);
    // `create service nodeport NAME`, `create secret generic NAME`: the name is the last word.
    const nested = generator === 'service' || generator === 'secret';
    const resources = resourcesOf(args[1]);
    const names = namesOf(args.slice(nested ? 3 : 2, nested ? 4 : 3));
    return scoped({ writes: true, ...(resources ? { resources } : {}), ...(names ? { names } : {}) });
  }
  if (verb === 'run') {
    const names = namesOf(args.slice(1, 2));
    return scoped({ writes: true, resources: ['pods'], ...(names ? { names } : {}) });
  }
  if (verb === 'expose') return scoped({ writes: true, resources: ['services'] });
  // apply (an unchanged object is only read), explain, api-resources, cluster-info, auth, top, diff, ...
  return scoped({ writes: false });
}

/** Whether one audited request is what the expectation describes. */
export function requestFulfils(expectation: ApiRequestExpectation, request: ApiRequest): boolean {
  if (expectation.subresource !== undefined) {
    if (request.subresource !== expectation.subresource) return false;
  } else if (expectation.writes && !WRITE_VERBS.has(request.verb)) return false;
  if (expectation.resources && (!request.resource || !expectation.resources.includes(request.resource))) return false;
  if (expectation.names && (!request.name || !expectation.names.includes(request.name))) return false;
  if (expectation.namespace && request.namespace && request.namespace !== expectation.namespace) return false;
  return true;
}

/** What the message says the command asked for, e.g. "a write to pods nginx in production". */
export function describeExpectation(expectation: ApiRequestExpectation): string {
  const what = expectation.subresource ? `the ${expectation.subresource} of ${expectation.names?.join(', ') ?? 'a pod'}` : [expectation.resources?.join(', '), expectation.names?.join(', ')].filter(Boolean).join(' ') || 'anything';
  return `${expectation.writes ? 'a change to' : 'a request for'} ${what}${expectation.namespace ? ` in ${expectation.namespace}` : ''}`;
}
