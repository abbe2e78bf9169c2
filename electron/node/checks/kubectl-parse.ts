import { dropChars, textWord, wordText, type Word } from './command-line.ts';
import { findSubcommand, flagsFor, KUBECTL_CLI, type KubectlCommand, type KubectlFlag } from './kubectl-cli.ts';

/**
 * Reads a kubectl command line the way kubectl's own parser does (cobra finds the command, pflag reads the
 * options, both from the generated table of the cluster's kubectl). A line kubectl would refuse, or one
 * that only asks for help or a dry run, is read with a `refusal`: it did not perform the action.
 */
export interface KubectlParse {
  /** The command path by canonical name (`create`, `service`, `nodeport`), then the positional arguments. */
  args: Word[];
  flags: Map<string, Array<Word | true>>;
  /** The words after `--` (a container's command for exec and run). */
  afterDashDash: Word[] | undefined;
  refusal?: Refusal;
}

export interface Refusal {
  /** Why kubectl did not do what the words name, said to the attendee. */
  reason: string;
  /** The option that made it a non-action (`help`, `dry-run`); a lab that asks for that option accepts it. */
  flag?: string;
}

type Lookup = (name: string) => KubectlFlag | undefined;

function lookupIn(flags: Map<string, KubectlFlag>): { long: Lookup; short: (letter: string) => [string, KubectlFlag] | undefined } {
  const byShort = new Map<string, [string, KubectlFlag]>();
  for (const [name, flag] of flags) if (flag.short) byShort.set(flag.short, [name, flag]);
  return { long: (name) => flags.get(name), short: (letter) => byShort.get(letter) };
}

/** cobra's Find: the command path, skipping options (an option not known as a switch takes the next word). */
function findCommand(words: readonly Word[]): { names: string[]; path: KubectlCommand[] } {
  const names: string[] = [];
  const path: KubectlCommand[] = [];
  let children = KUBECTL_CLI.commands;
  for (let index = 0; index < words.length; index += 1) {
    const text = wordText(words[index]!);
    if (text === null || text === '--') break;
    if (text.startsWith('-') && text !== '-') {
      const { long, short } = lookupIn(flagsFor(path));
      const switchLike = text.startsWith('--') ? (long(text.slice(2))?.bool || long(text.slice(2))?.optionalValue) : text.length === 2 && (short(text[1]!)?.[1].bool || short(text[1]!)?.[1].optionalValue);
      if (!text.includes('=') && (text.startsWith('--') || text.length === 2) && !switchLike) index += 1;
      continue;
    }
    const found = findSubcommand(children, text);
    if (!found) break;
    names.push(found.name);
    path.push(found.command);
    children = found.command.commands;
  }
  return { names, path };
}

const BOOL_TEXT = new Set(['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False', 'T', 'F']);

export function parseKubectl(words: readonly Word[]): KubectlParse {
  const { names, path } = findCommand(words);
  const { long, short } = lookupIn(flagsFor(path));
  const flags = new Map<string, Array<Word | true>>();
  const set = (name: string, value: Word | true) => flags.set(name, [...(flags.get(name) ?? []), value]);
  const positionals: Word[] = [];
  let afterDashDash: Word[] | undefined;
  let refusal: Refusal | undefined;
  const refuse = (reason: string) => {
    refusal ??= { reason };
  };
  const commandName = ['kubectl', ...names].join(' ');

  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    const text = wordText(word);
    if (text === '--') {
      afterDashDash = words.slice(index + 1);
      break;
    }
    if (text === null || !text.startsWith('-') || text === '-') {
      positionals.push(word);
      continue;
    }
    if (text.startsWith('--')) {
      const equals = text.indexOf('=');
      const name = equals === -1 ? text.slice(2) : text.slice(2, equals);
      const flag = long(name);
      if (!flag) {
        refuse(`has --${name}, an option \`${commandName}\` does not have (kubectl refuses the line: unknown flag)`);
        continue;
      }
      if (equals !== -1) {
        const value = text.slice(equals + 1);
        if (flag.bool && !BOOL_TEXT.has(value)) refuse(`gives --${name} the value "${value}", but it is a switch (true or false)`);
        set(name, dropChars(word, equals + 1));
      } else if (flag.bool || flag.optionalValue) {
        set(name, true);
      } else {
        const next = words[index + 1];
        if (!next) refuse(`has --${name} without its value (kubectl refuses the line: flag needs an argument)`);
        else index += 1;
        set(name, next ?? true);
      }
      continue;
    }
    // pflag's short options: a cluster of switches, ending at the first one that takes a value.
    for (let position = 1; position < text.length; position += 1) {
      const letter = text[position]!;
      const found = short(letter);
      if (!found) {
        refuse(`has -${letter}, an option \`${commandName}\` does not have (kubectl refuses the line: unknown shorthand flag)`);
        break;
      }
      const [name, flag] = found;
      const rest = text.slice(position + 1);
      if (rest.startsWith('=')) {
        set(name, dropChars(word, position + 2));
        break;
      }
      if (flag.bool || flag.optionalValue) {
        set(name, true);
        continue;
      }
      if (rest !== '') set(name, dropChars(word, position + 1));
      else {
        const next = words[index + 1];
        if (!next) refuse(`has -${letter} without its value (kubectl refuses the line: flag needs an argument)`);
        else index += 1;
        set(name, next ?? true);
      }
      break;
    }
  }

  if (names.length === 0) {
    const first = positionals[0] ? wordText(positionals[0]) : null;
    refuse(first ? `is not a kubectl command: kubectl has no command "${first}"` : 'names no kubectl command');
  }
  const args = [...positionals];
  // Drop the command words themselves (as typed, maybe aliases) and put their canonical names first.
  args.splice(0, names.length);
  const result: KubectlParse = { args: [...names.map(textWord), ...args], flags, afterDashDash };
  const finalRefusal = refusal ?? nonAction(names, args, flags, afterDashDash);
  if (finalRefusal) result.refusal = finalRefusal;
  return result;
}

/** A line kubectl accepts that still does not perform its action: help, a dry run, exec's removed form. */
function nonAction(names: readonly string[], args: readonly Word[], flags: Map<string, Array<Word | true>>, afterDashDash: Word[] | undefined): Refusal | undefined {
  if (flags.has('help')) return { reason: 'asks kubectl for its help text; it does nothing else', flag: 'help' };
  const dryRun = flags.get('dry-run');
  if (dryRun && dryRun.some((value) => value === true || wordText(value) !== 'none')) {
    return { reason: 'is a dry run (--dry-run): kubectl only shows what it would do, the cluster is not changed', flag: 'dry-run' };
  }
  if (names[0] === 'exec') {
    if (args.length > 1 && afterDashDash === undefined) {
      return { reason: 'puts the command without `--`: kubectl 1.33 refuses `exec POD COMMAND` ("is not supported anymore"); write `kubectl exec -it POD -- COMMAND`' };
    }
    if (!afterDashDash || afterDashDash.length === 0) return { reason: 'names no command to run in the pod (kubectl needs one after `--`)' };
  }
  return undefined;
}
