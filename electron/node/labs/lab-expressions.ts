import { Environment } from '@marcbachmann/cel-js';

/**
 * The expression languages a lab file uses, shared by lint (compile everything up front) and the check
 * engine (evaluate): CEL environments per assertion context, {{ }} message templates, and
 * ${kind:namespace/name}.path object references in probe arguments.
 */

/** Which variables an assertion sees: resource `assert` (object), `assertAll` (objects), probe (output, exitCode). */
export type CelContext = 'object' | 'objects' | 'probe';

const environments = new Map<CelContext, Environment>();

/**
 * Optional types are on so lab authors can read fields Kubernetes omits when empty, e.g.
 * object.?status.?readyReplicas.orValue(0) — a Deployment with no ready pod has no readyReplicas at all.
 */
export function celEnvironment(context: CelContext): Environment {
  const cached = environments.get(context);
  if (cached) return cached;
  const environment = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false, limits: CEL_LIMITS });
  if (context === 'object') environment.registerVariable('object', 'map');
  if (context === 'objects') environment.registerVariable('objects', 'list');
  if (context === 'probe') environment.registerVariable('output', 'string').registerVariable('exitCode', 'int');
  environments.set(context, environment);
  return environment;
}

/**
 * Structural limits checked when an expression is parsed (cel-js's own `limits`): far above what a lab check
 * needs, far below what stalls the engine. Issue 21.
 */
export const CEL_LIMITS = { maxAstNodes: 1000, maxDepth: 32, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 16 } as const;

/**
 * The most work an expression may describe, in evaluated AST nodes, estimated before it ever runs (celCost).
 * cel-js has no evaluation budget and runs synchronously on the backend's event loop, where one expression of
 * three nested comprehensions took seconds per evaluation; one within this budget takes milliseconds.
 */
export const CEL_COST_BUDGET = 200_000;

/** The size assumed for a list only known at run time: `objects`, or the lines of an output (split()). */
export const CEL_ASSUMED_LIST_SIZE = 100;
/** The size assumed for any other list known at run time: a field of an object (conditions, ports, addresses). */
export const CEL_ASSUMED_FIELD_LIST_SIZE = 20;

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'existsOne', 'map', 'filter', 'transformList', 'transformMap', 'transformMapEntry', 'sortBy']);

interface CelNode {
  op: string;
  args: unknown;
}

function isCelNode(value: unknown): value is CelNode {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string';
}

function childNodes(value: unknown): CelNode[] {
  if (isCelNode(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(childNodes);
  return [];
}

/** Estimated element count of a list-valued node: literal lists are counted, anything computed at run time is assumed. */
function listSize(node: CelNode): number {
  if (node.op === 'list' && Array.isArray(node.args)) return node.args.length;
  if (node.op === '+' && Array.isArray(node.args)) return childNodes(node.args).reduce((sum, child) => sum + listSize(child), 0);
  if (node.op === 'rcall' && Array.isArray(node.args) && (node.args[0] === 'map' || node.args[0] === 'filter') && isCelNode(node.args[1])) return listSize(node.args[1]);
  if (node.op === 'id' && node.args === 'objects') return CEL_ASSUMED_LIST_SIZE;
  if (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'split') return CEL_ASSUMED_LIST_SIZE;
  return CEL_ASSUMED_FIELD_LIST_SIZE;
}

/** Estimated nodes evaluated: a comprehension costs its range, plus its body once per element of the range. */
function nodeCost(node: CelNode): number {
  if (node.op === 'rcall' && Array.isArray(node.args) && typeof node.args[0] === 'string' && COMPREHENSIONS.has(node.args[0]) && isCelNode(node.args[1])) {
    const range = node.args[1];
    const body = childNodes(node.args.slice(2)).reduce((sum, child) => sum + nodeCost(child), 0);
    return 1 + nodeCost(range) + listSize(range) * Math.max(1, body);
  }
  return 1 + childNodes(node.args).reduce((sum, child) => sum + nodeCost(child), 0);
}

/** `matches()` patterns whose match time can explode: a repeated group that itself repeats, e.g. (a+)+ or (x*y)*. */
function backtrackingProblem(pattern: string): string | undefined {
  const open: { quantified: boolean }[] = [];
  let lastGroupQuantified = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\') {
      index++;
      lastGroupQuantified = false;
      continue;
    }
    if (char === '[') {
      const end = pattern.indexOf(']', index + 2);
      index = end === -1 ? pattern.length : end;
      lastGroupQuantified = false;
      continue;
    }
    if (char === '(') {
      open.push({ quantified: false });
      lastGroupQuantified = false;
      continue;
    }
    if (char === ')') {
      lastGroupQuantified = open.pop()?.quantified ?? false;
      const next = pattern[index + 1];
      if (lastGroupQuantified && (next === '*' || next === '+' || (next === '{' && !/^\{0?,?1\}/.test(pattern.slice(index + 1))))) {
        return `the pattern ${JSON.stringify(pattern)} repeats a group that itself repeats, which can take exponential time in matches(); write it without the nested repetition`;
      }
      if (lastGroupQuantified) for (const group of open) group.quantified = true;
      continue;
    }
    if (char === '*' || char === '+' || char === '{') for (const group of open) group.quantified = true;
    lastGroupQuantified = false;
  }
  return undefined;
}

function matchesProblems(node: CelNode): string[] {
  const here: string[] = [];
  if (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'matches') {
    const pattern = childNodes(node.args[2])[0];
    if (!pattern || pattern.op !== 'value' || typeof pattern.args !== 'string') here.push('matches() takes its pattern as a string literal in a lab, so it can be checked before it runs');
    else {
      const problem = backtrackingProblem(pattern.args);
      if (problem) here.push(problem);
    }
  }
  return [...here, ...childNodes(node.args).flatMap(matchesProblems)];
}

/**
 * Why an expression would cost too much to evaluate, or undefined: its estimated cost over CEL_COST_BUDGET, or a
 * matches() pattern that can backtrack exponentially (cel-js runs it with JavaScript's RegExp). Lint reports it,
 * and the engine refuses to run such an expression (checks/cel.ts).
 */
export function celCostProblem(expression: string, context: CelContext): string | undefined {
  let ast: unknown;
  try {
    ast = (celEnvironment(context).parse(expression) as unknown as { ast: unknown }).ast;
  } catch {
    return undefined;
  }
  if (!isCelNode(ast)) return undefined;
  const cost = nodeCost(ast);
  if (cost > CEL_COST_BUDGET) {
    return `the expression is too costly to evaluate: about ${cost} steps, over the budget of ${CEL_COST_BUDGET} (objects and split() output count as ${CEL_ASSUMED_LIST_SIZE} elements, other lists known only at run time as ${CEL_ASSUMED_FIELD_LIST_SIZE}); nest fewer comprehensions (all, exists, map, filter) or use smaller lists`;
  }
  return matchesProblems(ast)[0];
}

/** Parses and type-checks an expression; returns the error text (first line) or undefined when it compiles. */
export function celCompileError(expression: string, context: CelContext): string | undefined {
  const environment = celEnvironment(context);
  try {
    environment.parse(expression);
    const costly = celCostProblem(expression, context);
    if (costly) return costly;
    const checked = environment.check(expression);
    if (!checked.valid) return firstLine(checked.error?.message ?? 'does not type-check');
    return undefined;
  } catch (error) {
    return firstLine(error instanceof Error ? error.message : String(error));
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}

export interface TemplatePart {
  /** Literal text, or a CEL expression when `expression` is true. */
  text: string;
  expression: boolean;
}

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;

/** Splits "has {{object.status.readyReplicas}}/3 ready" into literal and expression parts. */
export function parseTemplate(message: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of message.matchAll(TEMPLATE)) {
    if (match.index > last) parts.push({ text: message.slice(last, match.index), expression: false });
    parts.push({ text: (match[1] ?? '').trim(), expression: true });
    last = match.index + match[0].length;
  }
  if (last < message.length) parts.push({ text: message.slice(last), expression: false });
  return parts;
}

/** A reference to a live object inside a probe argument, e.g. ${service:default/nginx}.spec.clusterIP. */
export interface ObjectReference {
  /** The whole reference as written, to replace it with the resolved value. */
  source: string;
  /** Lower-case kind as written: service, pod, node, deployment, namespace, endpoints... */
  kind: string;
  /** Absent for cluster-scoped objects (${node:worker1}.status...). */
  namespace: string | undefined;
  name: string;
  /** Field path below the object, e.g. ["spec", "clusterIP"] or ["status", "podIPs", 0, "ip"]. */
  path: (string | number)[];
}

const DNS_NAME = '[a-z0-9]([-a-z0-9.]*[a-z0-9])?';
const REFERENCE = new RegExp(`\\$\\{([a-z]+):(?:(${DNS_NAME})/)?(${DNS_NAME})\\}((?:\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*)`, 'g');

/** Kinds a reference may name (lower-case, singular), with the apiVersion the engine reads them from. */
export const REFERENCE_KINDS: Readonly<Record<string, { apiVersion: string; kind: string; namespaced: boolean }>> = {
  service: { apiVersion: 'v1', kind: 'Service', namespaced: true },
  pod: { apiVersion: 'v1', kind: 'Pod', namespaced: true },
  endpoints: { apiVersion: 'v1', kind: 'Endpoints', namespaced: true },
  node: { apiVersion: 'v1', kind: 'Node', namespaced: false },
  namespace: { apiVersion: 'v1', kind: 'Namespace', namespaced: false },
  deployment: { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
};

/**
 * Finds every ${...} reference in an argument. Throws with a readable reason when "${" appears in a form that
 * is not a valid reference, so a typo never reaches the cluster as a literal string.
 */
export function parseObjectReferences(argument: string): ObjectReference[] {
  const references: ObjectReference[] = [];
  for (const match of argument.matchAll(REFERENCE)) {
    const [source, kind = '', namespace, , name = '', , fieldPath = ''] = match;
    const known = REFERENCE_KINDS[kind];
    if (!known) throw new Error(`\${${kind}:...} names an unknown kind; use one of ${Object.keys(REFERENCE_KINDS).join(', ')}`);
    if (known.namespaced && namespace === undefined) throw new Error(`${source} needs a namespace: \${${kind}:<namespace>/<name>}`);
    if (!known.namespaced && namespace !== undefined) throw new Error(`${source}: ${kind} objects have no namespace; write \${${kind}:<name>}`);
    if (fieldPath === '') throw new Error(`${source} needs a field path after the braces, e.g. \${service:default/nginx}.spec.clusterIP`);
    const path = [...fieldPath.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]/g)].map((segment) => (segment[1] !== undefined ? segment[1] : Number(segment[2])));
    references.push({ source, kind, namespace, name, path });
  }
  const stray = argument.split('${').length - 1;
  if (stray > references.length) throw new Error(`"${argument}" contains \${ that is not a reference of the form \${kind:namespace/name}.field.path`);
  return references;
}

/** How a CEL value reads inside a message: text as is, lists joined with ", ", maps as key=value pairs. */
export function formatCelValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(formatCelValue).join(', ');
  if (value instanceof Map) return [...value.entries()].map(([key, entry]) => `${formatCelValue(key)}=${formatCelValue(entry)}`).join(', ');
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, entry]) => `${key}=${typeof entry === 'object' && entry !== null ? JSON.stringify(entry, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : formatCelValue(entry)}`)
      .join(', ');
  }
  return String(value);
}

/**
 * Renders a check message: each {{ expression }} is evaluated with the assertion's variables. An expression
 * that fails (a field missing from this object) renders as "?" rather than hiding the whole message.
 */
export function renderTemplate(message: string, context: CelContext, variables: Record<string, unknown>): string {
  const environment = celEnvironment(context);
  return parseTemplate(message)
    .map((part) => {
      if (!part.expression) return part.text;
      try {
        return formatCelValue(environment.evaluate(part.text, variables));
      } catch {
        return '?';
      }
    })
    .join('');
}

/** Looks up the live object a reference names; undefined when it does not exist (yet). */
export type ReferenceLookup = (reference: ObjectReference, kind: { apiVersion: string; kind: string }) => Promise<{ [key: string]: unknown } | undefined>;

export type ResolvedArgument = { ok: true; value: string } | { ok: false; reason: string };

/** Replaces every ${kind:namespace/name}.path in an argument with the live value, or says what is missing. */
export async function resolveObjectReferences(argument: string, lookup: ReferenceLookup): Promise<ResolvedArgument> {
  let value = argument;
  for (const reference of parseObjectReferences(argument)) {
    const kind = REFERENCE_KINDS[reference.kind];
    if (!kind) return { ok: false, reason: `unknown kind ${reference.kind}` };
    const object = await lookup(reference, kind);
    const where = reference.namespace === undefined ? reference.name : `${reference.namespace}/${reference.name}`;
    if (!object) return { ok: false, reason: `${kind.kind} ${where} does not exist` };
    let field: unknown = object;
    for (const key of reference.path) {
      field = field !== null && typeof field === 'object' ? (field as Record<string | number, unknown>)[key] : undefined;
    }
    if (field === undefined || field === null || field === '' || typeof field === 'object') {
      return { ok: false, reason: `${kind.kind} ${where} has no ${reference.path.join('.')} yet` };
    }
    value = value.replace(reference.source, String(field));
  }
  return { ok: true, value };
}
