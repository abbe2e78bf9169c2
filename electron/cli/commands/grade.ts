import { type Command, Option } from 'commander';
import type { CheckWorld } from '../../node/checks/check-world.ts';
import { anyFailed, formatJunit, formatText, gradeLab, type LabGrade } from '../../node/checks/grade.ts';
import { anyIncomplete, formatJournalJunit, formatJournalText, gradeLabFromJournal } from '../../node/checks/journal-grade.ts';
import { labKinds } from '../../node/checks/selftest.ts';
import { snapshotCommand } from '../../node/checks/snapshot-command.ts';
import { SnapshotWorld } from '../../node/checks/snapshot-world.ts';
import { LabCatalog, type LoadedLab } from '../../node/labs/lab-catalog.ts';
import { courseVersion } from '../../node/course-format/lab-schema.ts';
import { readJournal } from '../../node/progress/evidence-journal.ts';
import { bindingProblems } from '../../node/progress/journal-binding.ts';
import { judgeJournalPasses } from '../../node/reports/evidence-judgement.ts';
import { fingerprintOf, normalFingerprint, readPublicKeyFile, sameFingerprint } from '../../node/course-pack/keys.ts';
import { LabdeckError } from '../../common/errors.ts';

interface GradeOptions {
  lab: string;
  journal?: string;
  key?: string;
  kubeconfig?: string;
  snapshot?: string;
  format: 'json' | 'junit' | 'text';
  labs: string;
}

/**
 * `labdeck grade --lab <id>|all (--journal F [--kubeconfig F | --snapshot F] | --kubeconfig F | --snapshot F)`.
 * With --journal, each step is graded from the attendee's evidence journal (passed when, with what
 * evidence; exit 1 when a step is incomplete), and a cluster or snapshot, when given, is reported separately
 * as what still holds now. Without it, the cluster or snapshot is judged against the checks (exit 1 when a
 * check failed). Exit 2 when the course, journal, snapshot or cluster cannot be read.
 */
export function registerGradeCommand(program: Command): void {
  program
    .command('grade')
    .description('Grade an attendee from their evidence journal, or a cluster or snapshot against the checks of a lab')
    .requiredOption('--lab <id>', 'lab id (e.g. 1.3) or "all"')
    .option('--journal <file>', "grade each step from the attendee's evidence journal (evidence/<course>.jsonl in their Labdeck data folder)")
    .option('--key <fingerprint|file>', "with --journal: the attendee's report key (fingerprint or .labdeck-pub); a journal signed by another key is refused")
    .addOption(new Option('--kubeconfig <file>', 'grade (or, with --journal, report what still holds on) the live cluster this kubeconfig points at').conflicts('snapshot'))
    .addOption(new Option('--snapshot <file>', 'grade a Kubernetes List written by the `kubectl get ... -A -o json` that `labdeck grade` prints').conflicts('kubeconfig'))
    .addOption(new Option('--format <format>', 'report format').choices(['json', 'junit', 'text']).default('text'))
    .option('--labs <dir>', 'folder holding the labs', 'labs')
    .action(async (options: GradeOptions) => {
      try {
        await grade(options);
      } catch (error) {
        // A broken course, journal or snapshot, or an unreachable cluster, is not a grade: exit 2, say why.
        if (!(error instanceof LabdeckError)) throw error;
        process.stderr.write(`${error.message}\n${error.action ? `${error.action}\n` : ''}`);
        process.exitCode = 2;
      }
    });
}

async function grade(options: GradeOptions): Promise<void> {
  const catalog = await LabCatalog.load(options.labs);
  const labs = options.lab === 'all' ? catalog.labs() : [catalog.requireLab(options.lab)];
  // Derived from every lab's checks, even when grading one: the attendee writes one snapshot for the course.
  const command = snapshotCommand(catalog.labs());
  if (!options.journal && !options.kubeconfig && !options.snapshot) {
    throw new LabdeckError('invalid-request', 'labdeck grade needs --journal <file>, --kubeconfig <file> or --snapshot <file>.', {
      action: `Grade from the attendee's evidence journal, or write a snapshot with \`${command}\`.`,
    });
  }
  const world = options.snapshot || options.kubeconfig ? await openWorld(options, command) : undefined;
  const live: LabGrade[] = [];
  if (world) for (const lab of labs) live.push(await gradeLab(lab, world));
  if (world instanceof SnapshotWorld) warnAboutMissingKinds(world, labs, command);

  if (!options.journal) {
    if (options.format === 'json') process.stdout.write(`${JSON.stringify(options.lab === 'all' ? live : live[0], null, 2)}\n`);
    else if (options.format === 'junit') process.stdout.write(formatJunit(live));
    else process.stdout.write(formatText(live));
    if (anyFailed(live)) process.exitCode = 1;
    return;
  }

  const entries = await readJournal(options.journal);
  const key = await expectedJournalKey(options.key);
  const problems = bindingProblems(entries, { courseId: catalog.courseId, courseVersion: courseVersion(catalog.course), ...(key ? { key } : {}) }, sameFingerprint);
  if (problems.length > 0) {
    // Refused, not graded: say which of unsigned, unbound, broken, other key or foreign course it is.
    const kinds = [...new Set(problems.map((problem) => problem.kind))].join(', ');
    throw new LabdeckError('invalid-request', `The journal ${options.journal} is refused (${kinds}):\n${problems.map((problem) => `  ${problem.kind}: ${problem.message}`).join('\n')}`, {
      action: problems.some((problem) => problem.kind === 'foreign-course')
        ? 'Pass the course folder (and version) the attendee used with --labs.'
        : "Ask the attendee for the journal their Labdeck wrote (evidence/<course>.jsonl in its data folder), or for an exported report (labdeck verify-report).",
    });
  }
  const signer = entries[0]?.signer;
  if (!key && signer) process.stderr.write(`The journal is signed by key ${fingerprintOf(signer)}; compare it with the attendee's report key (--key).\n`);
  // A pass needs its evidence: each one is re-run on what it recorded, and one the course's check refuses is not credited.
  const evidence = await judgeJournalPasses(entries, (labId, stepId, checkId) => catalog.step(labId, stepId)?.spec.checks.find((check) => check.id === checkId));
  const refusedSeqs = new Set(evidence.refused.map((pass) => pass.seq));
  const journal = labs.map((lab) => gradeLabFromJournal(lab, entries.filter((entry) => !refusedSeqs.has(entry.seq))));
  const versions = [...new Set(entries.map((entry) => entry.courseVersion))];
  if (options.format === 'json') {
    const report = {
      course: { id: catalog.courseId, version: courseVersion(catalog.course), journalVersions: versions },
      journal: journal,
      evidence: { confirmed: evidence.confirmed, notJudgeable: evidence.notJudgeable, kubectlSeen: evidence.kubectlSeen, kubectlUnseen: evidence.kubectlUnseen, refused: evidence.refused },
      ...(world ? { holdsNow: { source: options.snapshot ? `snapshot ${options.snapshot}` : `cluster of ${options.kubeconfig}`, labs: live } } : {}),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (options.format === 'junit') {
    process.stdout.write(formatJournalJunit(journal));
  } else {
    const lines = [
      `From the evidence journal ${options.journal} (course ${catalog.courseId}, version ${versions.join(', ') || 'none'})`,
      `Evidence: ${evidence.confirmed} recorded passes re-checked on their evidence, ${evidence.notJudgeable} not judgeable from their evidence alone, ${evidence.refused.length} refused; kubectl passes corroborated by the API server: ${evidence.kubectlSeen} of ${evidence.kubectlSeen + evidence.kubectlUnseen}`,
      ...evidence.refused.map((pass) => `REFUSED entry ${pass.seq} (${pass.labId}/${pass.stepId}/${pass.checkId}), not credited: ${pass.reason}`),
      '',
      formatJournalText(journal),
    ];
    if (world) lines.push(`What still holds now on the ${options.snapshot ? `snapshot ${options.snapshot}` : `cluster of ${options.kubeconfig}`} (not part of the grade):`, '', formatText(live));
    process.stdout.write(lines.join('\n'));
  }
  if (anyIncomplete(journal) || evidence.refused.length > 0) process.exitCode = 1;
}

/** --key: a fingerprint, or the attendee's .labdeck-pub. */
async function expectedJournalKey(value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  if (value.endsWith('.labdeck-pub')) return (await readPublicKeyFile(value)).fingerprint;
  if (normalFingerprint(value) === undefined) {
    throw new LabdeckError('invalid-request', `--key ${JSON.stringify(value.slice(0, 100))} is neither a fingerprint (64 hex digits) nor a .labdeck-pub file.`, {
      action: "Pass the fingerprint the attendee's Export report showed, or their .labdeck-pub file.",
    });
  }
  return value;
}

async function openWorld(options: GradeOptions, command: string): Promise<CheckWorld> {
  if (options.snapshot) return SnapshotWorld.load(options.snapshot, command);
  // client-node takes seconds to load; grading a snapshot never needs it.
  const [{ KubeConfig }, { ApiWorld }] = await Promise.all([import('@kubernetes/client-node'), import('../../node/checks/api-world.ts')]);
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(options.kubeconfig ?? '');
  } catch (error) {
    throw new LabdeckError('invalid-request', `Cannot read the kubeconfig ${options.kubeconfig}: ${(error as Error).message}`, { action: 'Check the path given to --kubeconfig.' });
  }
  const world = new ApiWorld(kubeConfig);
  try {
    await world.listObjects({ apiVersion: 'v1', kind: 'Namespace' });
  } catch (error) {
    throw new LabdeckError('kubernetes-error', `Cannot reach the cluster of ${options.kubeconfig}: ${(error as Error).message}`, {
      action: 'Check that the cluster is running and that the kubeconfig points at it (kubectl --kubeconfig <file> get ns).',
    });
  }
  return world;
}

/** A snapshot written without some kind the checks need: its checks were skipped; say how to write it. */
function warnAboutMissingKinds(world: SnapshotWorld, labs: readonly LoadedLab[], command: string): void {
  const missing = world.missingKinds(labs.flatMap((lab) => labKinds(lab)));
  if (missing.length === 0) return;
  process.stderr.write(`The snapshot has no ${missing.join(', ')} objects, so checks of them were skipped. Write the snapshot with \`${command}\`.\n`);
}
