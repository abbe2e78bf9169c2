import { Command } from 'commander';
import { LabdeckError } from '../common/errors.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerEnvCommand } from './commands/env.ts';
import { registerLintCommand } from './commands/lint.ts';
import { registerGradeCommand } from './commands/grade.ts';
import { registerSelftestCommand } from './commands/selftest.ts';
import { registerKeysCommand } from './commands/keys.ts';
import { registerPackCommand } from './commands/pack.ts';
import { registerVerifyReportCommand } from './commands/verify-report.ts';
import { registerGradeReportsCommand } from './commands/grade-reports.ts';

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
  registerKeysCommand(program);
  registerPackCommand(program);
  registerVerifyReportCommand(program);
  registerGradeReportsCommand(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Errors meant for people (LabdeckError) print their message and what to do next; anything else is a bug
  // and keeps its stack.
  if (error instanceof LabdeckError) {
    process.stderr.write(`labdeck: ${error.message}\n${error.action ? `  → ${error.action}\n` : ''}`);
  } else {
    process.stderr.write(`labdeck: unexpected failure\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exitCode = 1;
}
