import { dropChars, parseShellLine, textWord, wordText, type Word } from './command-line.ts';
import { parseKubectl, type Refusal } from './kubectl-parse.ts';

/**
 * What the words of a simple command mean to the tools the labs use: which options take a value, which
 * short option is which long one, the `k` alias, kubectl's resource short names. The result is an
 * invocation a lab's `command:` matcher can be compared with, whatever order or spelling the attendee used
 * (`kubectl -n production get po`, `kubectl get pods --namespace=production`).
 */

export interface Invocation {
  /** Canonical program name: `kubectl` for `k` and `/usr/bin/kubectl`. */
  program: string;
  /** Positional arguments in order, normalised (`po` → `pods`, `svc` → `service` after `create`). */
  args: Word[];
  /** Options by long name without dashes; a switch without a value has the value `true`. */
  flags: Map<string, Array<Word | true>>;
  /** The command after `--` (`kubectl exec alpine -- nslookup ...`), read with its own program's grammar. */
  then: Invocation | undefined;
  /** Why the program refused the line or did not perform its action (an unknown option, `--help`, a dry run). */
  refusal?: Refusal;
  /** Run again and again by `watch` until the attendee stops it. */
  watched?: true;
}

interface ProgramGrammar {
  /** Short option letter → long name. */
  short: Record<string, string>;
  /** Long names of options that take a value (`--tail 5`, `--tail=5`, `-n production`, `-nproduction`). */
  valued: ReadonlySet<string>;
  normalizeArgs?: (args: Word[]) => Word[];
}

const CURL: ProgramGrammar = {
  short: { o: 'output', w: 'write-out', H: 'header', d: 'data', X: 'request', m: 'max-time', u: 'user', A: 'user-agent', e: 'referer', b: 'cookie', c: 'cookie-jar', x: 'proxy', T: 'upload-file', F: 'form', K: 'config', E: 'cert', r: 'range', s: 'silent', S: 'show-error', k: 'insecure', v: 'verbose', i: 'include', I: 'head', L: 'location', f: 'fail', '4': 'ipv4', '6': 'ipv6', 'Y': 'speed-limit', y: 'speed-time', C: 'continue-at', z: 'time-cond', 'O': 'remote-name' },
  valued: new Set(['output', 'write-out', 'header', 'data', 'data-raw', 'data-binary', 'data-urlencode', 'request', 'max-time', 'connect-timeout', 'user', 'user-agent', 'referer', 'cookie', 'cookie-jar', 'proxy', 'resolve', 'connect-to', 'upload-file', 'form', 'config', 'cert', 'cacert', 'key', 'range', 'url', 'interface', 'retry', 'speed-limit', 'speed-time', 'continue-at', 'time-cond', 'local-port', 'max-redirs', 'json']),
};

const IPTABLES: ProgramGrammar = {
  short: { t: 'table', L: 'list', S: 'list-rules', A: 'append', I: 'insert', D: 'delete', F: 'flush', j: 'jump', p: 'protocol', s: 'source', d: 'destination', i: 'in-interface', o: 'out-interface', m: 'match', n: 'numeric', v: 'verbose', x: 'exact', N: 'new-chain', X: 'delete-chain', Z: 'zero' },
  // -L and -S take an optional chain: like every value here, a following option is never taken as one.
  valued: new Set(['table', 'list', 'list-rules', 'append', 'insert', 'delete', 'flush', 'jump', 'protocol', 'source', 'destination', 'in-interface', 'out-interface', 'match', 'new-chain', 'delete-chain', 'zero', 'dport', 'sport', 'to-destination', 'to-source', 'comment', 'wait']),
};

const IP: ProgramGrammar = {
  short: {},
  valued: new Set(['family', 'netns', 'batch']),
  normalizeArgs: normalizeIpArgs,
};

const GENERIC: ProgramGrammar = { short: {}, valued: new Set() };

const GRAMMARS: Record<string, ProgramGrammar> = {
  curl: CURL,
  iptables: IPTABLES,
  'iptables-save': { short: { t: 'table', c: 'counters' }, valued: new Set(['table']) },
  'iptables-legacy': IPTABLES,
  'iptables-nft': IPTABLES,
  ip: IP,
  ping: { short: { c: 'count', W: 'timeout', w: 'deadline', i: 'interval', I: 'interface', s: 'size' }, valued: new Set(['count', 'timeout', 'deadline', 'interval', 'interface', 'size']) },
  wget: { short: { O: 'output-document', q: 'quiet', T: 'timeout', S: 'server-response' }, valued: new Set(['output-document', 'timeout', 'header']) },
  head: { short: { n: 'lines', c: 'bytes' }, valued: new Set(['lines', 'bytes']) },
  tail: { short: { n: 'lines', c: 'bytes', f: 'follow' }, valued: new Set(['lines', 'bytes']) },
  grep: { short: { e: 'regexp', f: 'file', A: 'after-context', B: 'before-context', C: 'context', m: 'max-count' }, valued: new Set(['regexp', 'file', 'after-context', 'before-context', 'context', 'max-count']) },
};

/** Other names of a program: the jumphost's alias. */
const PROGRAM_ALIASES: Record<string, string> = { k: 'kubectl' };
const WRAPPERS = new Set(['sudo', 'time', 'command', 'exec', 'nohup', 'do', 'then', 'else', 'elif', 'if', 'while', 'until', '!', '{']);
/** procps watch's options that take a value (`watch -n 1 kubectl get pods`, `watch -n1`, `--interval=1`). */
const WATCH_VALUED_SHORT = new Set(['n', 'q']);
const WATCH_VALUED_LONG = new Set(['--interval', '--equexit']);

/** Reads a simple command's words as an invocation; null when there is no command name (an assignment). */
export function parseInvocation(words: readonly Word[]): Invocation | null {
  let rest = [...words];
  // `sudo iptables ...`, `time kubectl ...`, and the command inside `for ...; do curl ...; done` or
  // `if ...; then ...`: the program is the word after the wrapper or keyword (and the wrapper's options).
  while (rest.length > 0 && WRAPPERS.has(baseName(rest[0]!))) {
    rest = rest.slice(1);
    while (rest.length > 0 && (wordText(rest[0]!) ?? '').startsWith('-')) rest = rest.slice(1);
  }
  const first = rest[0];
  if (!first) return null;
  if (baseName(first) === 'watch') return watchedCommand(rest.slice(1));
  let program = baseName(first);
  rest = rest.slice(1);
  program = PROGRAM_ALIASES[program] ?? program;
  if (program === 'kubectl') {
    const parsed = parseKubectl(rest);
    const then = parsed.afterDashDash ? (parseInvocation(parsed.afterDashDash) ?? undefined) : undefined;
    return { program, args: normalizeKubectlArgs(parsed.args), flags: parsed.flags, then, ...(parsed.refusal ? { refusal: parsed.refusal } : {}) };
  }
  const invocation = readArguments(program, rest);
  if (invocation.flags.has('help')) invocation.refusal = { reason: `asks ${program} for its help text; it does nothing else`, flag: 'help' };
  return unwrapShell(invocation) ?? invocation;
}

/**
 * `watch -n 1 kubectl get pods` and `watch 'kubectl get pods -o wide'`: the command watch runs again and
 * again (a single word is a shell line, as watch hands it to `sh -c`).
 */
function watchedCommand(words: readonly Word[]): Invocation | null {
  let index = 0;
  while (index < words.length) {
    const text = wordText(words[index]!) ?? '';
    if (text === '--') {
      index += 1;
      break;
    }
    if (!text.startsWith('-') || text === '-') break;
    const takesNext = text.startsWith('--') ? WATCH_VALUED_LONG.has(text) : text.length === 2 && WATCH_VALUED_SHORT.has(text[1]!);
    index += takesNext ? 2 : 1;
  }
  const command = words.slice(index);
  let inner: Invocation | null;
  if (command.length === 1) {
    const script = wordText(command[0]!);
    const [first] = script === null ? [] : parseShellLine(script).commands;
    inner = first ? parseInvocation(first.words) : null;
  } else {
    inner = parseInvocation(command);
  }
  return inner ? { ...inner, watched: true } : null;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);

/** `sh -c "nslookup nginx"` is read as the command it runs (its first simple command). */
function unwrapShell(invocation: Invocation): Invocation | undefined {
  if (!SHELLS.has(invocation.program) || !invocation.flags.has('c') || !invocation.args[0]) return undefined;
  const script = wordText(invocation.args[0]);
  if (script === null) return undefined;
  const [first] = parseShellLine(script).commands;
  return (first && parseInvocation(first.words)) ?? undefined;
}

function readArguments(program: string, words: Word[]): Invocation {
  const grammar = GRAMMARS[program] ?? GENERIC;
  const args: Word[] = [];
  const flags = new Map<string, Array<Word | true>>();
  const set = (name: string, value: Word | true) => flags.set(name, [...(flags.get(name) ?? []), value]);

  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    const text = wordText(word);
    if (text === '--') {
      args.push(...words.slice(index + 1));
      break;
    }
    if (text === null || !text.startsWith('-') || text === '-') {
      args.push(word);
      continue;
    }
    // An option's value is the next word unless that is another option (`iptables -L -n`: -L has none).
    const takesNext = () => {
      const next = words[index + 1];
      const nextText = next ? wordText(next) : null;
      if (!next || (nextText !== null && nextText.startsWith('-') && nextText !== '-')) return undefined;
      index += 1;
      return next;
    };
    if (text.startsWith('--')) {
      const equals = text.indexOf('=');
      const name = equals === -1 ? text.slice(2) : text.slice(2, equals);
      if (equals !== -1) set(name, dropChars(word, equals + 1));
      else if (grammar.valued.has(name)) set(name, takesNext() ?? true);
      else set(name, true);
      continue;
    }
    // A cluster of short options: `-it`, `-sk`, `-owide`, `-nproduction`, `-n=production`.
    for (let position = 1; position < text.length; position += 1) {
      const letter = text[position]!;
      const name = grammar.short[letter] ?? letter;
      if (!grammar.valued.has(name)) {
        set(name, true);
        continue;
      }
      const attached = text.slice(position + 1).replace(/^=/, '');
      if (attached !== '') set(name, dropChars(word, text.length - attached.length));
      else set(name, takesNext() ?? true);
      break;
    }
  }
  const normalized = grammar.normalizeArgs ? grammar.normalizeArgs(args) : args;
  return { program, args: normalized, flags, then: undefined };
}

function baseName(word: Word): string {
  const text = wordText(word) ?? '';
  return text.slice(text.lastIndexOf('/') + 1);
}

/** kubectl's short and singular resource names, to the plural it prints in `kubectl api-resources`. */
const KUBECTL_RESOURCES: Record<string, string> = {
  po: 'pods', pod: 'pods', pods: 'pods',
  svc: 'services', service: 'services', services: 'services',
  deploy: 'deployments', deployment: 'deployments', deployments: 'deployments', 'deployment.apps': 'deployments', 'deployments.apps': 'deployments',
  ns: 'namespaces', namespace: 'namespaces', namespaces: 'namespaces',
  ep: 'endpoints', endpoint: 'endpoints', endpoints: 'endpoints',
  no: 'nodes', node: 'nodes', nodes: 'nodes',
  rs: 'replicasets', replicaset: 'replicasets', replicasets: 'replicasets', 'replicaset.apps': 'replicasets', 'replicasets.apps': 'replicasets',
  cm: 'configmaps', configmap: 'configmaps', configmaps: 'configmaps',
  ev: 'events', event: 'events', events: 'events',
  ds: 'daemonsets', daemonset: 'daemonsets', daemonsets: 'daemonsets',
  sa: 'serviceaccounts', serviceaccount: 'serviceaccounts', serviceaccounts: 'serviceaccounts',
  endpointslice: 'endpointslices', endpointslices: 'endpointslices',
};

/** `kubectl create <what>` generators and their short names. */
const KUBECTL_CREATE: Record<string, string> = { svc: 'service', service: 'service', deploy: 'deployment', deployment: 'deployment', ns: 'namespace', namespace: 'namespace', cm: 'configmap', configmap: 'configmap' };

/** Verbs whose second argument is a resource type (or `type/name`). */
const RESOURCE_VERBS = new Set(['get', 'describe', 'delete', 'edit', 'label', 'annotate', 'explain', 'patch', 'scale', 'expose', 'wait', 'top', 'set', 'autoscale']);
/** Verbs whose second argument names a pod (optionally `pod/name`) or another object as `type/name`. */
const POD_VERBS = new Set(['logs', 'exec', 'port-forward', 'attach', 'cp']);

const KNOWN_RESOURCES = new Set(Object.values(KUBECTL_RESOURCES));

/** Whether a canonical type name is one of the API resources Labdeck knows by name (`pods`, `services`, ...). */
export function isKnownKubectlResource(name: string): boolean {
  return KNOWN_RESOURCES.has(name);
}

/** Canonical name of a kubectl resource type (`po` → `pods`); unknown names are returned unchanged. */
export function kubectlResource(name: string): string {
  return name
    .split(',')
    .map((part) => KUBECTL_RESOURCES[part.toLowerCase()] ?? part)
    .join(',');
}

function normalizeKubectlArgs(args: Word[]): Word[] {
  const verb = args[0] ? wordText(args[0]) : null;
  if (!verb) return args;
  const out: Word[] = [args[0]!];
  const rest = args.slice(1);
  if (verb === 'create' && rest[0]) {
    const what = wordText(rest[0]);
    out.push(what !== null ? textWord(KUBECTL_CREATE[what] ?? what) : rest[0]);
    return [...out, ...rest.slice(1)];
  }
  if (verb === 'rollout' && rest[0]) return [...out, rest[0], ...normalizeKubectlArgs([textWord('get'), ...rest.slice(1)]).slice(1)];
  rest.forEach((word, index) => {
    const text = wordText(word);
    if (text === null) {
      out.push(word);
      return;
    }
    const slash = text.indexOf('/');
    if (POD_VERBS.has(verb) && index === 0) {
      // `kubectl logs pod/nginx` is `kubectl logs nginx`; `deploy/x` stays a typed name.
      if (slash === -1) out.push(word);
      else {
        const type = kubectlResource(text.slice(0, slash));
        out.push(textWord(type === 'pods' ? text.slice(slash + 1) : `${type}/${text.slice(slash + 1)}`));
      }
      return;
    }
    if (!RESOURCE_VERBS.has(verb)) {
      out.push(word);
      return;
    }
    if (slash !== -1) {
      // `kubectl get pod/nginx` is `kubectl get pods nginx`.
      out.push(textWord(kubectlResource(text.slice(0, slash))), textWord(text.slice(slash + 1)));
      return;
    }
    out.push(index === 0 ? textWord(kubectlResource(text)) : word);
  });
  return out;
}

/** `ip r`, `ip ro show`: iproute2 accepts any prefix of its object names. */
const IP_OBJECTS = ['route', 'address', 'link', 'neighbour', 'rule', 'netns', 'tunnel', 'maddress'];

function normalizeIpArgs(args: Word[]): Word[] {
  const first = args[0] ? wordText(args[0]) : null;
  if (!first) return args;
  const special: Record<string, string> = { a: 'address', addr: 'address', r: 'route', l: 'link', n: 'neighbour', neigh: 'neighbour', neighbor: 'neighbour' };
  const object = special[first] ?? IP_OBJECTS.find((name) => name.startsWith(first));
  return object ? [textWord(object), ...args.slice(1)] : args;
}

/**
 * A lab's expected argument spelled the way the parser normalises the attendee's (`po` → `pods` after
 * `kubectl get`, `svc` → `service` after `kubectl create`), so a lab may write either form.
 */
export function canonicalArg(program: string, actual: readonly Word[], index: number, value: string): string {
  if (value.includes('*')) return value;
  if (program === 'ip' && index === 0) return wordText(normalizeIpArgs([textWord(value)])[0]!) ?? value;
  if (program !== 'kubectl' || index !== 1) return value;
  const verb = actual[0] ? wordText(actual[0]) : null;
  if (verb === 'create') return KUBECTL_CREATE[value] ?? value;
  return verb !== null && RESOURCE_VERBS.has(verb) ? kubectlResource(value) : value;
}
