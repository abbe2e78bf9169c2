import type { KubectlCli, KubectlCommand, KubectlFlag } from './kubectl-cli.ts';

/**
 * Reads kubectl's command tree from its own help output (`kubectl <path> --help`, `kubectl options`), for
 * the generated table in kubectl-cli.json and for the cluster test that keeps that table true.
 */

/** pflag flags whose value is optional (NoOptDefVal): `--dry-run` alone is legal, `--dry-run client` is not a value. */
const OPTIONAL_VALUE = new Set(['dry-run', 'validate', 'cascade']);

/** `    -A, --all-namespaces=false:` or `    --chunk-size=500:` */
const FLAG_LINE = /^ {4}(?:-([A-Za-z0-9]), )?--([A-Za-z0-9][A-Za-z0-9-]*)=(.*):$/;
/** `  get             Display one or many resources` below a "... Commands:" heading. */
const COMMAND_LINE = /^ {2}([a-z][a-z0-9-]*)\s{2,}\S/;

export function parseFlags(help: string, section: RegExp): Record<string, KubectlFlag> {
  const flags: Record<string, KubectlFlag> = {};
  let inSection = false;
  for (const line of help.split('\n')) {
    if (section.test(line)) {
      inSection = true;
      continue;
    }
    if (!inSection) continue;
    if (/^\S/.test(line) && !section.test(line)) break;
    const match = FLAG_LINE.exec(line);
    if (!match) continue;
    const [, short, name, defaultValue] = match as unknown as [string, string | undefined, string, string];
    const flag: KubectlFlag = { bool: defaultValue === 'false' || defaultValue === 'true' };
    if (short) flag.short = short;
    if (OPTIONAL_VALUE.has(name)) flag.optionalValue = true;
    flags[name] = flag;
  }
  return flags;
}

export function parseSubcommands(help: string): string[] {
  const names: string[] = [];
  let inSection = false;
  for (const line of help.split('\n')) {
    if (/^[A-Z].*Commands(?: \(.*\))?:$/.test(line)) {
      inSection = true;
      continue;
    }
    if (line.trim() === '' || /^\S/.test(line)) {
      inSection = /^[A-Z].*Commands(?: \(.*\))?:$/.test(line);
      continue;
    }
    const match = inSection ? COMMAND_LINE.exec(line) : null;
    if (match) names.push(match[1]!);
  }
  return names;
}

export function parseAliases(help: string): string[] {
  const match = /^Aliases:\n(.+)$/m.exec(help);
  return match ? match[1]!.split(',').map((alias) => alias.trim()).filter((alias) => alias !== '') : [];
}

export async function readKubectlCli(kubectl: (args: string[]) => Promise<string>): Promise<KubectlCli> {
  const version = /Client Version: (v\S+)/.exec(await kubectl(['version', '--client']))?.[1] ?? 'unknown';
  const global = parseFlags(await kubectl(['options']), /^The following options can be passed to any command:$/);
  const readCommand = async (commandPath: string[]): Promise<KubectlCommand> => {
    const help = await kubectl([...commandPath, '--help']);
    const command: KubectlCommand = { aliases: [], flags: parseFlags(help, /^Options:$/), commands: {} };
    if (commandPath.length > 0) command.aliases = parseAliases(help).filter((alias) => alias !== commandPath.at(-1));
    // `kubectl help` and the shell completion helpers have no options of interest and would loop.
    for (const name of parseSubcommands(help)) {
      if (name === 'help' || name === 'completion' || name.startsWith('__')) continue;
      command.commands[name] = await readCommand([...commandPath, name]);
    }
    return command;
  };
  const root = await readCommand([]);
  return { version, global, commands: root.commands };
}
