import type { ObjectSelector } from '../course-format/check-spec.ts';
import type { CommandRecord } from './check-world.ts';

/**
 * Recognises a successful `kubectl delete` of what an "is gone" check selects. Together with having seen the
 * object while the step was open, it is what lets an absent check pass: "nothing there" alone is also true
 * when the attendee never created the object.
 */

const SHORT_NAMES: Record<string, string[]> = {
  pod: ['po'],
  service: ['svc'],
  deployment: ['deploy'],
  replicaset: ['rs'],
  namespace: ['ns'],
  node: ['no'],
  endpoints: ['ep'],
  configmap: ['cm'],
  daemonset: ['ds'],
  statefulset: ['sts'],
  serviceaccount: ['sa'],
  networkpolicy: ['netpol'],
};

const CLUSTER_SCOPED = new Set(['namespace', 'node', 'persistentvolume', 'clusterrole', 'clusterrolebinding', 'storageclass']);

/** Every spelling kubectl accepts for a kind: pod, pods, po (and Pod). */
function kindSpellings(kind: string): Set<string> {
  const singular = kind.toLowerCase();
  const plural = singular.endsWith('s') ? singular : singular.endsWith('y') ? `${singular.slice(0, -1)}ies` : `${singular}s`;
  return new Set([singular, plural, ...(SHORT_NAMES[singular] ?? [])]);
}

/** Shell words of the first command of a line (up to |, ;, &&, ||), quotes removed. */
function firstCommandWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index] ?? '';
    if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
      continue;
    }
    if (char === '|' || char === ';' || char === '&') break;
    if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    current += char;
    inWord = true;
  }
  if (inWord) words.push(current);
  return words;
}

interface DeleteCommand {
  targets: Array<{ kind: string; name?: string }>;
  namespace?: string;
  allNamespaces: boolean;
  /** -f/--filename, -l/--selector or --all: what is deleted is not named on the line. */
  unnamed: boolean;
}

const FLAGS_WITH_VALUE = new Set(['-n', '--namespace', '-f', '--filename', '-l', '--selector', '--context', '--kubeconfig', '-o', '--output', '--grace-period', '--timeout', '--cascade', '--field-selector']);

export function parseDeleteCommand(line: string): DeleteCommand | undefined {
  const words = firstCommandWords(line.trim());
  const program = words[0]?.split('/').at(-1);
  if (program !== 'kubectl' && program !== 'k') return undefined;
  const positional: string[] = [];
  let namespace: string | undefined;
  let allNamespaces = false;
  let unnamed = false;
  for (let index = 1; index < words.length; index++) {
    const word = words[index] ?? '';
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    const shortInline = /^-[nfl]./.test(word) && !word.startsWith('--') ? { flag: word.slice(0, 2), value: word.slice(2).replace(/^=/, '') } : undefined;
    const name = shortInline?.flag ?? flag;
    if (!name.startsWith('-')) {
      positional.push(word);
      continue;
    }
    let value = shortInline?.value ?? inline;
    if (value === undefined && FLAGS_WITH_VALUE.has(name)) value = words[++index];
    if (name === '-n' || name === '--namespace') namespace = value;
    if (name === '-A' || name === '--all-namespaces') allNamespaces = true;
    if (name === '-f' || name === '--filename' || name === '-l' || name === '--selector' || name === '--all') unnamed = true;
  }
  if (positional[0] !== 'delete') return undefined;
  const rest = positional.slice(1);
  const targets: DeleteCommand['targets'] = [];
  if (rest.some((word) => word.includes('/'))) {
    for (const word of rest) {
      const [kind, name] = word.split('/');
      if (kind) targets.push(name ? { kind: kind.toLowerCase(), name } : { kind: kind.toLowerCase() });
    }
  } else if (rest[0]) {
    const kinds = rest[0].toLowerCase().split(',');
    const names = rest.slice(1);
    for (const kind of kinds) {
      if (names.length === 0) targets.push({ kind });
      for (const name of names) targets.push({ kind, name });
    }
  }
  return { targets, ...(namespace === undefined ? {} : { namespace }), allNamespaces, unnamed };
}

/** True when the record is a kubectl delete that succeeded and names (or may have named) the selection. */
export function deletesSelection(record: CommandRecord, selector: ObjectSelector): boolean {
  if (record.exitCode !== 0) return false;
  // On Labdeck's cluster the API server must have seen the delete (api-corroboration.ts).
  if (record.apiRequests !== undefined && !record.apiRequests.some((request) => request.command === 0 && (request.verb === 'delete' || request.verb === 'deletecollection'))) return false;
  const command = parseDeleteCommand(record.command);
  if (!command) return false;
  // `delete -f file` names no kind on the line; kubectl exits 0 only after deleting what the file names,
  // and the object being gone now says the rest.
  if (command.targets.length === 0) return command.unnamed;
  const spellings = kindSpellings(selector.kind);
  const namespaced = !CLUSTER_SCOPED.has(selector.kind.toLowerCase());
  if (namespaced && selector.namespace !== undefined && !command.allNamespaces && (command.namespace ?? 'default') !== selector.namespace) return false;
  return command.targets.some(
    (target) => spellings.has(target.kind) && (selector.name === undefined || target.name === selector.name || (target.name === undefined && command.unnamed)),
  );
}
