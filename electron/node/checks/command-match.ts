import type { CommandMatcher, UrlMatcher } from '../course-format/check-spec.ts';
import { canonicalArg, parseInvocation, type Invocation } from './command-grammar.ts';
import { publishedPortKey } from './command-references.ts';
import { parseShellLine, wordDisplay, wordText, type Segment, type Word } from './command-line.ts';

/**
 * Compares one parsed command with a lab's `command:` matcher. A miss says how far the command got and
 * what differed, so the engine can tell the attendee "`kubectl get pods` ran without --namespace production"
 * instead of only "not done yet".
 */

export type MatchOutcome = { ok: true } | { ok: false; progress: number; reason: string };

/**
 * What a matcher's values with `${kind:ns/name}.path` references (URL hosts, arguments, option values)
 * resolved to in the live world; undefined when the object or field does not exist now.
 */
export type ResolvedValues = ReadonlyMap<string, string | undefined>;

type MatcherFields = Omit<CommandMatcher, 'then'>;

/** Terminals that are not a node's shell: `on: node` accepts every other terminal name (master1, worker1, ...). */
const NOT_NODES = new Set(['jumphost', 'host', 'browser', 'editor']);
type Accepted = string | readonly string[];

export function matchInvocation(matcher: CommandMatcher | MatcherFields, invocation: Invocation, terminal: string, hosts: ResolvedValues): MatchOutcome {
  if (!accepts(matcher.program, invocation.program)) return { ok: false, progress: 0, reason: `runs ${invocation.program}, expected ${list(matcher.program)}` };
  let progress = 1;
  if (matcher.on !== undefined && !alternatives(matcher.on).some((where) => where === terminal || (where === 'node' && !NOT_NODES.has(terminal)))) {
    return { ok: false, progress, reason: `was typed in the ${terminal} terminal; this one belongs in ${list(matcher.on, ' or ')}` };
  }
  progress += 1;
  for (const [index, expected] of (matcher.args ?? []).entries()) {
    const actual = invocation.args[index];
    const canonical = alternatives(expected).map((value) => (value.includes('${') ? (hosts.get(value) ?? value) : canonicalArg(invocation.program, invocation.args, index, value)));
    if (!actual) return { ok: false, progress, reason: `has no argument ${index + 1} (expected ${list(canonical)})` };
    const text = wordText(actual);
    const parts = text !== null && invocation.program === 'kubectl' && index === 1 ? text.split(',') : [text];
    if (!parts.some((part) => part !== null && canonical.some((value) => !value.includes('${') && globMatch(value, part)))) {
      return { ok: false, progress, reason: `has ${describeWord(actual)} as argument ${index + 1}, expected ${list(canonical.map(describeValue))}` };
    }
    progress += 1;
  }
  for (const [name, expected] of Object.entries(matcher.flags ?? {})) {
    const values = invocation.flags.get(name);
    if (expected === false) {
      if (values) return { ok: false, progress, reason: `has --${name}, which must not be given here` };
    } else if (!values) {
      return { ok: false, progress, reason: `has no --${name}${expected === true ? '' : ` ${list(expected)}`}` };
    } else if (expected !== true) {
      const given = values.filter((value): value is Word => value !== true);
      const accepted = alternatives(expected).map((value) => (value.includes('${') ? (hosts.get(value) ?? value) : value));
      if (!given.some((value) => accepted.some((candidate) => !candidate.includes('${') && wordMatches(candidate, value)))) {
        return { ok: false, progress, reason: `has --${name} ${given.map(describeWord).join(', ') || '(no value)'}, expected ${list(accepted.map(describeValue))}` };
      }
    }
    progress += 1;
  }
  if (matcher.url) {
    const outcome = matchUrls(matcher.url, urlWords(invocation), hosts);
    if (!outcome.ok) return { ok: false, progress, reason: outcome.reason };
    progress += 1;
  }
  // kubectl's own refusal, its help text or a dry run is not the action, however close the words are.
  const refusal = invocation.refusal;
  if (refusal && !(refusal.flag !== undefined && matcher.flags?.[refusal.flag] !== undefined && matcher.flags[refusal.flag] !== false)) {
    // Everything else matched, so this is the line the attendee meant: its refusal is what they need to hear.
    return { ok: false, progress: progress + 1000, reason: refusal.reason };
  }
  if ('then' in matcher && matcher.then) {
    if (!invocation.then) return { ok: false, progress, reason: `runs no command after \`--\` (expected ${list(matcher.then.program)})` };
    const inner = matchInvocation(matcher.then, invocation.then, terminal, hosts);
    if (!inner.ok) return { ok: false, progress: progress + inner.progress, reason: `runs ${inner.reason.replace(/^runs /, '')} after \`--\`` };
  }
  return { ok: true };
}

function urlWords(invocation: Invocation): Word[] {
  const fromFlag = (invocation.flags.get('url') ?? []).filter((value): value is Word => value !== true);
  return invocation.program === 'curl' || invocation.program === 'wget' ? [...invocation.args, ...fromFlag] : invocation.args;
}

interface ParsedUrl {
  scheme: string;
  host: Segment[];
  port: number | undefined;
  path: string;
}

function matchUrls(matcher: UrlMatcher, words: Word[], hosts: ResolvedValues): { ok: true } | { ok: false; reason: string } {
  if (words.length === 0) return { ok: false, reason: 'has no URL' };
  let reason = '';
  for (const word of words) {
    const url = parseUrl(word);
    if (!url) {
      reason = `has ${describeWord(word)}, which is not a URL`;
      continue;
    }
    const problem = urlProblem(matcher, url, hosts);
    if (problem === undefined) return { ok: true };
    reason = problem;
  }
  return { ok: false, reason };
}

function urlProblem(matcher: UrlMatcher, url: ParsedUrl, hosts: ResolvedValues): string | undefined {
  if (matcher.scheme !== undefined && url.scheme !== matcher.scheme) return `uses ${url.scheme}://, expected ${matcher.scheme}://`;
  if (matcher.host !== undefined) {
    const accepted = alternatives(matcher.host);
    if (!accepted.some((value) => hostMatches(value, url.host, hosts))) {
      const expected = accepted.map((value) => (value.includes('${') ? (hosts.get(value) ?? describeReference(value)) : value));
      return `points at ${describeSegments(url.host) || '(no host)'}, which is not ${list([...new Set(expected)], ' or ')}`;
    }
  }
  const port = url.port ?? (url.scheme === 'https' ? 443 : 80);
  if (matcher.nodePort !== undefined) {
    const published = Number(hosts.get(publishedPortKey(matcher.nodePort)) ?? matcher.nodePort);
    if (port !== published) {
      const where = published === matcher.nodePort ? `port ${published}` : `port ${published}, where this computer publishes nodePort ${matcher.nodePort}`;
      return `uses port ${port}, expected ${where}`;
    }
  }
  if (matcher.port !== undefined) {
    const ports = Array.isArray(matcher.port) ? matcher.port : [matcher.port];
    if (!ports.includes(port)) return `uses port ${port}, expected ${ports.join(' or ')}`;
  }
  if (matcher.path !== undefined && !alternatives(matcher.path).some((value) => globMatch(value, url.path))) return `requests ${url.path}, expected ${list(matcher.path)}`;
  return undefined;
}

const PLACEHOLDER = /\u0000(\d+)\u0001/g;

/** curl's reading of a URL: scheme optional (http), then host, optional port and path. */
function parseUrl(word: Word): ParsedUrl | undefined {
  const dynamic: Segment[] = [];
  const template = word.segments
    .map((segment) => {
      if (segment.kind === 'text') return segment.text;
      dynamic.push(segment);
      return `\u0000${dynamic.length - 1}\u0001`;
    })
    .join('');
  const match = /^(?:([A-Za-z][A-Za-z0-9+.-]*):\/\/)?(?:[^@/]*@)?(\[[^\]]*\]|[^/:?#]*)(?::([^/?#]*))?([/?#].*)?$/s.exec(template);
  if (!match) return undefined;
  const [, scheme = 'http', hostTemplate = '', portText, path = '/'] = match;
  if (hostTemplate === '') return undefined;
  const host: Segment[] = [];
  let last = 0;
  for (const placeholder of hostTemplate.matchAll(PLACEHOLDER)) {
    if (placeholder.index > last) host.push({ kind: 'text', text: hostTemplate.slice(last, placeholder.index) });
    host.push(dynamic[Number(placeholder[1])]!);
    last = placeholder.index + placeholder[0].length;
  }
  if (last < hostTemplate.length) host.push({ kind: 'text', text: hostTemplate.slice(last) });
  const port = portText !== undefined && /^[0-9]+$/.test(portText) ? Number(portText) : undefined;
  if (portText !== undefined && port === undefined) return undefined;
  return { scheme: scheme.toLowerCase(), host, port, path: path.startsWith('/') ? path : `/${path}` };
}

function hostMatches(accepted: string, host: Segment[], hosts: ResolvedValues): boolean {
  const text = host.every((segment) => segment.kind === 'text') ? host.map((segment) => (segment.kind === 'text' ? segment.text : '')).join('') : null;
  if (accepted.includes('${')) {
    if (text !== null) return hosts.get(accepted) === text;
    // `curl http://$POD_IP/` where POD_IP=$(kubectl get pod nginx -o jsonpath='{.status.podIP}').
    const only = host.length === 1 ? host[0] : undefined;
    return only?.kind === 'substitution' && referenceOfSubstitution(only.command) === accepted.trim();
  }
  return text !== null && globMatch(accepted.toLowerCase(), text.toLowerCase());
}

const REFERENCE_KIND: Record<string, string> = { pods: 'pod', services: 'service', endpoints: 'endpoints', nodes: 'node', namespaces: 'namespace', deployments: 'deployment' };
const CLUSTER_SCOPED = new Set(['node', 'namespace']);

/**
 * `kubectl get pod nginx -o jsonpath='{.status.podIP}'` as the object reference it reads,
 * `${pod:default/nginx}.status.podIP`; undefined for anything else.
 */
export function referenceOfSubstitution(command: string): string | undefined {
  const [first] = parseShellLine(command).commands;
  const invocation = first ? parseInvocation(first.words) : null;
  if (!invocation || invocation.program !== 'kubectl') return undefined;
  const [verb, type, name] = invocation.args.map(wordText);
  const kind = type ? REFERENCE_KIND[type] : undefined;
  if (verb !== 'get' || !kind || !name) return undefined;
  const output = invocation.flags.get('output')?.at(-1);
  const jsonPath = output && output !== true ? /^jsonpath=\{\s*\.?([A-Za-z0-9_.[\]]+)\s*\}$/.exec(wordText(output) ?? '')?.[1] : undefined;
  if (!jsonPath) return undefined;
  const namespaceValue = invocation.flags.get('namespace')?.at(-1);
  const namespace = namespaceValue && namespaceValue !== true ? wordText(namespaceValue) : 'default';
  if (namespace === null) return undefined;
  return CLUSTER_SCOPED.has(kind) ? `\${${kind}:${name}}.${jsonPath}` : `\${${kind}:${namespace}/${name}}.${jsonPath}`;
}

function wordMatches(accepted: string, word: Word): boolean {
  const text = wordText(word);
  return text !== null && globMatch(accepted, text);
}

/** `*` matches any run of characters; everything else literally. Linear-time two-pointer matching. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p += 1;
      t += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = t;
      p += 1;
    } else if (star !== -1) {
      p = star + 1;
      resume += 1;
      t = resume;
    } else return false;
  }
  while (pattern[p] === '*') p += 1;
  return p === pattern.length;
}

function alternatives(value: Accepted): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

function accepts(expected: Accepted, actual: string): boolean {
  return alternatives(expected).some((value) => globMatch(value, actual));
}

function list(value: Accepted, joiner = ' or '): string {
  return alternatives(value).join(joiner);
}

function describeWord(word: Word): string {
  const unknown = word.segments.find((segment) => segment.kind === 'unknown');
  if (unknown && unknown.kind === 'unknown') return `${wordDisplay(word)} ($${unknown.name} is not set in that shell)`;
  return wordDisplay(word) || '""';
}

function describeSegments(segments: Segment[]): string {
  return describeWord({ segments });
}

function describeValue(value: string): string {
  if (!value.includes('${')) return value;
  const podDns = /^\$\{pod-dns:([^/}]+)\/([^}]+)\}$/.exec(value);
  return podDns ? `the DNS name of pod ${podDns[1]}/${podDns[2]} (it has no IP yet)` : describeReference(value);
}

function describeReference(reference: string): string {
  const match = /^\$\{([a-z]+):(?:([^/}]+)\/)?([^}]+)\}\.(.*)$/.exec(reference.trim());
  return match ? `the ${match[4]} of ${match[1]} ${match[2] ? `${match[2]}/` : ''}${match[3]}` : reference;
}
