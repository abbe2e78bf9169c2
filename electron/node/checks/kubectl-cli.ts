import table from './kubectl-cli.json' with { type: 'json' };

/**
 * kubectl's commands and options as its parser knows them, generated from the kubectl Labdeck's clusters
 * run (electron/build/generate-kubectl-cli.ts). Read attendees' lines with it the way kubectl does: options
 * anywhere among the arguments, a known option or a refusal, a value where the option needs one.
 */
export interface KubectlFlag {
  short?: string;
  /** A switch: `--watch`, `-w`, `--watch=false`; never takes the next word as its value. */
  bool: boolean;
  /** The value may be left out (`--dry-run`); then the next word is not taken as the value. */
  optionalValue?: true;
}

export interface KubectlCommand {
  aliases: string[];
  flags: Record<string, KubectlFlag>;
  commands: Record<string, KubectlCommand>;
}

export interface KubectlCli {
  version: string;
  global: Record<string, KubectlFlag>;
  commands: Record<string, KubectlCommand>;
}

export const KUBECTL_CLI: KubectlCli = table as KubectlCli;

/** The subcommand a word names below `parent` (by name or alias), with its canonical name. */
export function findSubcommand(parent: Record<string, KubectlCommand>, word: string): { name: string; command: KubectlCommand } | undefined {
  const direct = parent[word];
  if (direct) return { name: word, command: direct };
  for (const [name, command] of Object.entries(parent)) if (command.aliases.includes(word)) return { name, command };
  return undefined;
}

/** Every option valid for a command path: its own, its parents' (cobra's persistent ones are global here) and the global ones. */
export function flagsFor(commands: readonly KubectlCommand[]): Map<string, KubectlFlag> {
  const flags = new Map<string, KubectlFlag>(Object.entries(KUBECTL_CLI.global));
  for (const [name, flag] of Object.entries(commands.at(-1)?.flags ?? {})) flags.set(name, flag);
  flags.set('help', { short: 'h', bool: true });
  return flags;
}
