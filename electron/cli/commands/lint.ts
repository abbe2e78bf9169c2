import type { Command } from 'commander';
import { lintLabs } from '../../node/labs/lint.ts';
import { formatProblem } from '../../node/labs/yaml-source.ts';
import { inPackage } from '../package-root.ts';

/** `labdeck lint [dir]`: checks a course folder before it reaches attendees; exit 1 on any problem. */
export function registerLintCommand(program: Command): void {
  program
    .command('lint')
    .description('Check lab files: schema, referenced files, CEL, manifests against Kubernetes schemas, self-tests')
    .argument('[dir]', 'folder holding <id>-<slug>/lab.yaml', inPackage('labs'))
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const report = await lintLabs(dir);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        for (const problem of report.problems) process.stdout.write(`${formatProblem(problem)}\n`);
        const counts = `${report.labs} labs, ${report.steps} steps, ${report.checks} checks`;
        process.stdout.write(report.problems.length === 0 ? `${dir}: ${counts}, no problems\n` : `${dir}: ${report.problems.length} problem(s) in ${counts}\n`);
      }
      if (report.problems.length > 0) process.exitCode = 1;
    });
}
