import { Command } from 'commander';
import { registerServeCommand } from './commands/serve.ts';
import { registerEnvCommand } from './commands/env.ts';
import { registerLintCommand } from './commands/lint.ts';
import { registerGradeCommand } from './commands/grade.ts';
import { registerSelftestCommand } from './commands/selftest.ts';

/** The `labdeck` command: the same backend services as the app, for instructors, graders and CI. */
export function buildProgram(): Command {
  const program = new Command()
    .name('labdeck')
    .description('Kubernetes networking workshops on a real k3s cluster in Docker')
    .showHelpAfterError();
  registerServeCommand(program);
  registerEnvCommand(program);
  registerLintCommand(program);
  registerGradeCommand(program);
  registerSelftestCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
