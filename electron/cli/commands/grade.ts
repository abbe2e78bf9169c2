import { KubeConfig } from '@kubernetes/client-node';
import { type Command, Option } from 'commander';
import { ApiWorld } from '../../node/checks/api-world.ts';
import type { CheckWorld } from '../../node/checks/check-world.ts';
import { anyFailed, formatJunit, formatText, gradeLab, type LabGrade } from '../../node/checks/grade.ts';
import { SnapshotWorld } from '../../node/checks/snapshot-world.ts';
import { LabCatalog } from '../../node/labs/lab-catalog.ts';
import { LabdeckError } from '../../common/errors.ts';

interface GradeOptions {
  lab: string;
  kubeconfig?: string;
  snapshot?: string;
  format: 'json' | 'junit' | 'text';
  labs: string;
}

/**
 * `labdeck grade --lab <id>|all (--kubeconfig F | --snapshot F) [--format json|junit|text]`: judges a cluster
 * or a `kubectl get -o json` snapshot against a lab's checks. Exit code 1 when any check failed.
 */
export function registerGradeCommand(program: Command): void {
  program
    .command('grade')
    .description('Grade a cluster or a snapshot against the checks of a lab (exit 1 when any check failed)')
    .requiredOption('--lab <id>', 'lab id (e.g. 1.3) or "all"')
    .addOption(new Option('--kubeconfig <file>', 'grade the live cluster this kubeconfig points at').conflicts('snapshot'))
    .addOption(new Option('--snapshot <file>', 'grade a Kubernetes List written by `kubectl get <kinds> -A -o json`').conflicts('kubeconfig'))
    .addOption(new Option('--format <format>', 'report format').choices(['json', 'junit', 'text']).default('text'))
    .option('--labs <dir>', 'folder holding the labs', 'labs')
    .action(async (options: GradeOptions) => {
      if (!options.kubeconfig && !options.snapshot) {
        process.stderr.write('labdeck grade needs --kubeconfig <file> or --snapshot <file>\n');
        process.exitCode = 2;
        return;
      }
      try {
        await grade(options);
      } catch (error) {
        // A broken course, an unreadable snapshot or an unreachable cluster is not a grade: exit 2, say why.
        if (!(error instanceof LabdeckError)) throw error;
        process.stderr.write(`${error.message}\n${error.action ? `${error.action}\n` : ''}`);
        process.exitCode = 2;
      }
    });
}

async function grade(options: GradeOptions): Promise<void> {
  const catalog = await LabCatalog.load(options.labs);
  const labs = options.lab === 'all' ? catalog.labs() : [catalog.requireLab(options.lab)];
  let world: CheckWorld;
  if (options.snapshot) {
    world = await SnapshotWorld.load(options.snapshot);
  } else {
    const kubeConfig = new KubeConfig();
    try {
      kubeConfig.loadFromFile(options.kubeconfig ?? '');
    } catch (error) {
      throw new LabdeckError('invalid-request', `Cannot read the kubeconfig ${options.kubeconfig}: ${(error as Error).message}`, { action: 'Check the path given to --kubeconfig.' });
    }
    world = new ApiWorld(kubeConfig);
    try {
      await world.listObjects({ apiVersion: 'v1', kind: 'Namespace' });
    } catch (error) {
      throw new LabdeckError('kubernetes-error', `Cannot reach the cluster of ${options.kubeconfig}: ${(error as Error).message}`, {
        action: 'Check that the cluster is running and that the kubeconfig points at it (kubectl --kubeconfig <file> get ns).',
      });
    }
  }
  const grades: LabGrade[] = [];
  for (const lab of labs) grades.push(await gradeLab(lab, world));
  if (options.format === 'json') process.stdout.write(`${JSON.stringify(options.lab === 'all' ? grades : grades[0], null, 2)}\n`);
  else if (options.format === 'junit') process.stdout.write(formatJunit(grades));
  else process.stdout.write(formatText(grades));
  if (anyFailed(grades)) process.exitCode = 1;
}
