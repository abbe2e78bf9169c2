import { Command } from 'commander';
import { labdeckVersion } from '../node/labdeck-version.ts';

/**
 * One `labdeck` subcommand, known by name and one-line description without loading its code. Each command's
 * module (and what it pulls in: client-node, dockerode, the check engine...) is imported only when that
 * command runs, so `labdeck --help` and `labdeck grade` do not pay for `serve` or `env`.
 *
 * To add a command: write `registerXCommand(program)` in commands/x.ts as before and add one entry here.
 * The description must be the one the command registers (program.test.ts checks it).
 */
export interface LazyCommand {
  name: string;
  description: string;
  load: () => Promise<(program: Command) => void>;
}

export const lazyCommands: readonly LazyCommand[] = [
  {
    name: 'serve',
    description: 'Serve the Labdeck app to a browser on 127.0.0.1 (prints an address with a one-time launch code)',
    load: async () => (await import('./commands/serve.ts')).registerServeCommand,
  },
  {
    name: 'env',
    description: 'Create, inspect and remove the lab cluster (kubeadm nodes in Docker)',
    load: async () => (await import('./commands/env.ts')).registerEnvCommand,
  },
  {
    name: 'lint',
    description: 'Check lab files: schema, referenced files, CEL, manifests against Kubernetes schemas, self-tests',
    load: async () => (await import('./commands/lint.ts')).registerLintCommand,
  },
  {
    name: 'grade',
    description: 'Grade an attendee from their evidence journal, or a cluster or snapshot against the checks of a lab',
    load: async () => (await import('./commands/grade.ts')).registerGradeCommand,
  },
  {
    name: 'selftest',
    description: 'Prove lab checks with their recorded worlds (offline), or apply solutions to a live cluster (--live)',
    load: async () => (await import('./commands/selftest.ts')).registerSelftestCommand,
  },
  {
    name: 'keys',
    description: 'Signing keys for course packs and the publishers you trust',
    load: async () => (await import('./commands/keys.ts')).registerKeysCommand,
  },
  {
    name: 'pack',
    description: 'Write a signed course pack (course, images, manifest), or check one with --verify',
    load: async () => (await import('./commands/pack.ts')).registerPackCommand,
  },
  {
    name: 'verify-report',
    description: "Verify a completion report: signature, hash chain, every entry's fields, and each pass re-run on its evidence",
    load: async () => (await import('./commands/verify-report.ts')).registerVerifyReportCommand,
  },
  {
    name: 'grade-reports',
    description:
      'Grade a folder of completion reports: one row per report, per-lab partial credit, flags for invalid, re-signed or other-version reports',
    load: async () => (await import('./commands/grade-reports.ts')).registerGradeReportsCommand,
  },
];

/**
 * The subcommand argv asks for: its first operand (`labdeck grade ...`), or the one after `help`
 * (`labdeck help grade`). Options before the command name are only --help/--version here, which take no value.
 */
export function requestedCommand(argv: readonly string[]): string | undefined {
  const operands = argv.slice(2).filter((arg) => !arg.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/**
 * The `labdeck` program for this argv: the requested command fully registered (its module loaded), every
 * other one as a name and description for the help listing only.
 */
export async function buildProgram(argv: readonly string[] = process.argv, commands: readonly LazyCommand[] = lazyCommands): Promise<Command> {
  const program = new Command()
    .name('labdeck')
    .description('Kubernetes networking workshops on a real kubeadm cluster in Docker')
    .version(labdeckVersion(), '-V, --version', "print Labdeck's version")
    .showHelpAfterError();
  const requested = requestedCommand(argv);
  for (const command of commands) {
    if (command.name === requested) (await command.load())(program);
    else program.command(command.name).description(command.description);
  }
  return program;
}
