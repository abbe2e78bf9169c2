import fs from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckResult } from '../../electron/common/api/labs.ts';
import { CommandCheckSchema, type CommandCheck } from '../../electron/node/course-format/check-spec.ts';
import type { CheckWorld, CommandRecord } from '../../electron/node/checks/check-world.ts';
import { evaluateCheck } from '../../electron/node/checks/evaluate-check.ts';
import { expectedExitCodes } from '../../electron/node/checks/evaluate-command.ts';
import { LabCatalog } from '../../electron/node/labs/lab-catalog.ts';
import { GUIDE_COMMANDS, type GuideCommand } from './guide-commands.ts';
import { ClusterCheckWorld, COURSE_DIR, LAB_OBJECTS_CLEANUP, labManifests, putHomeFiles, snippetCommand } from './lab-cluster.ts';
import { run } from './test-cluster.ts';

/**
 * The labs' commands verbatim on the real kubeadm cluster (guide-commands.ts): each runs where the text says
 * (the jumphost's bash in a terminal, as ubuntu with admin.conf; a node's shell as root), in the world labs
 * 1.5-1.9 build, and must exit with its pinned code and print what the text promises. Then, through the
 * product's evaluator, no command check of the labs may demand another exit code than the one the real tool
 * returned for the guide's own command (how "busybox nslookup nginx exits 1" reaches the checks).
 */

const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();
const catalog = await LabCatalog.load(COURSE_DIR);
const repoRoot = path.resolve(COURSE_DIR, '..');

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** What the real tool did with a guide command, as the attendee typed it. */
interface Ran {
  command: GuideCommand;
  typed: string;
  exitCode: number;
  pipeStatus: number[];
  output: string;
}

const STATUS_MARK = '__labdeck_status';

/**
 * Runs a line as typed: on the jumphost in bash inside a terminal (`script`: kubectl exec -it wants one, curl
 * prints no progress meter there), on a node with sh. Returns the line's exit code and, for the jumphost, each
 * pipeline member's (bash's PIPESTATUS, as the jumphost's recorder keeps it).
 */
async function typeLine(command: GuideCommand, typed: string): Promise<Omit<Ran, 'command' | 'typed'>> {
  if (command.where !== 'jumphost') {
    const outcome = await run(docker, command.where, `sh -c ${shellQuote(typed)}`);
    return { exitCode: outcome.exitCode, pipeStatus: [outcome.exitCode], output: outcome.output };
  }
  const script = `${typed}\ns=("\${PIPESTATUS[@]}"); printf '\\n${STATUS_MARK} %s\\n' "\${s[*]}"; exit "\${s[\${#s[@]}-1]}"`;
  const outcome = await run(docker, 'jumphost', `script --quiet --return --command ${shellQuote(`bash -c ${shellQuote(script)}`)} /dev/null`, 90_000);
  const output = outcome.output.replaceAll('\r\n', '\n');
  const mark = new RegExp(`\\n?${STATUS_MARK} ([0-9 ]+)\\n?`).exec(output);
  const pipeStatus = mark?.[1]?.trim().split(' ').map(Number) ?? [outcome.exitCode];
  return { exitCode: outcome.exitCode, pipeStatus, output: mark ? output.replace(mark[0], '\n').trimEnd() + '\n' : output };
}

/** Fills in what the text asks the attendee to replace, from the cluster. */
async function personalize(text: string): Promise<string> {
  let typed = text;
  if (typed.includes('10-244-1-5')) {
    const ip = (await run(docker, 'jumphost', "kubectl get pod nginx -o jsonpath='{.status.podIP}'")).output.trim();
    typed = typed.replaceAll('10-244-1-5', ip.replaceAll('.', '-'));
  }
  if (typed.includes('kube-proxy-xxxxx')) {
    const pod = (await run(docker, 'jumphost', "kubectl get pods -n kube-system -l k8s-app=kube-proxy --field-selector spec.nodeName=worker1 -o jsonpath='{.items[0].metadata.name}'")).output.trim();
    typed = typed.replaceAll('kube-proxy-xxxxx', pod);
  }
  return typed;
}

/** The product's world with the real cluster's objects and exactly one command record. */
function worldWith(record: CommandRecord): CheckWorld {
  const live = new ClusterCheckWorld(docker);
  return {
    listObjects: (selector) => live.listObjects(selector),
    commandRecords: async () => [record],
    runProbe: async () => null,
    httpGet: async () => null,
  };
}

async function judge(check: CommandCheck, ran: Ran, exitCode: number, stepId: string): Promise<CheckResult> {
  // In a pipeline the tried status goes to its first member (kubectl, curl, ...: what a check matches);
  // the line's own status stays the real one.
  const pipeline = ran.pipeStatus.length > 1;
  const record: CommandRecord = {
    time: new Date().toISOString(),
    command: ran.typed,
    exitCode: pipeline ? ran.exitCode : exitCode,
    pipeStatus: pipeline ? [exitCode, ...ran.pipeStatus.slice(1)] : [exitCode],
    ...(ran.command.where === 'jumphost' ? {} : { terminal: ran.command.where }),
  };
  return evaluateCheck(check, worldWith(record), { labId: ran.command.labId, stepId });
}

describe.skipIf(unavailable)(`the labs' commands, typed verbatim on the real kubeadm cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const results = new Map<string, Ran>();
  const jumphost = async (command: string) => {
    const outcome = await run(docker, 'jumphost', command, 240_000);
    if (outcome.exitCode !== 0) throw new Error(`\`${command}\` exited with ${outcome.exitCode}: ${outcome.output}`);
  };

  beforeAll(async () => {
    await jumphost(LAB_OBJECTS_CLEANUP);
    await putHomeFiles(docker, labManifests(catalog));
    // The world of labs 1.5-1.9, built with the labs' own commands.
    const build = [
      snippetCommand(catalog, '1.5', 'pod-and-service', 'apply'),
      snippetCommand(catalog, '1.7', 'run-busybox', 'run'),
      snippetCommand(catalog, '1.8', 'random-backends', 'apply'),
      snippetCommand(catalog, '1.8', 'random-backends', 'expose'),
      'kubectl wait --for=condition=Ready pod/nginx pod/alpine --timeout=120s',
      'kubectl rollout status deployment/nginx-deployment --timeout=120s',
      'kubectl wait --for=condition=Ready pod -l app=nginx --timeout=120s',
    ];
    await jumphost(build.join(' && '));
  });

  afterAll(async () => {
    if (!unavailable) await jumphost(LAB_OBJECTS_CLEANUP).catch((error: unknown) => console.warn(`[guide-commands] cleanup failed: ${String(error)}`));
  });

  for (const command of GUIDE_COMMANDS) {
    it(`${command.id}: ${command.text} (${command.where})`, async () => {
      const text = await fs.readFile(path.join(repoRoot, command.file), 'utf8');
      expect(text.includes(command.text), `${command.file} no longer says \`${command.text}\`: update e2e/cluster/guide-commands.ts`).toBe(true);
      const typed = await personalize(command.text);
      const ran: Ran = { command, typed, ...(await typeLine(command, typed)) };
      results.set(command.id, ran);
      expect(ran.exitCode, `${typed} printed:\n${ran.output}`).toBe(command.exitCode);
      if (command.output) expect(ran.output).toMatch(command.output);
    });
  }

  it('catches a check that wants exit code 0 from `nslookup nginx`, which busybox ends with 1', async () => {
    const ran = results.get('1.7-nslookup-service-short');
    expect(ran?.exitCode).toBe(1);
    const strict = CommandCheckSchema.parse({
      id: 'strict-short-name',
      title: 'You looked up nginx',
      kind: 'command',
      command: { program: 'kubectl', args: ['exec', 'alpine'], then: { program: 'nslookup', args: ['nginx'] } },
      exitCode: 0,
    });
    expect((await judge(strict, ran!, 0, 'lookup-service')).status).toBe('passed');
    expect((await judge(strict, ran!, 1, 'lookup-service')).status).toBe('failed');
  });

  it("no command check demands an exit code the real tool does not return for the guide's command", async () => {
    expect(results.size, 'the guide commands ran').toBe(GUIDE_COMMANDS.length);
    const demanding: string[] = [];
    for (const ran of results.values()) {
      const lab = catalog.labs().find((candidate) => candidate.file.id === ran.command.labId);
      for (const step of lab?.steps ?? []) {
        for (const check of step.spec.checks) {
          if (check.kind !== 'command') continue;
          // The line's own status, or kubectl's in a pipeline (what the check reads).
          const real = ran.pipeStatus[0] ?? ran.exitCode;
          const expected = expectedExitCodes(check);
          if (expected.includes(real)) continue;
          const wanted = await judge(check, ran, expected[0]!, step.spec.id);
          if (wanted.status !== 'passed') continue;
          const actual = await judge(check, ran, real, step.spec.id);
          if (actual.status !== 'passed') demanding.push(`${ran.command.labId} ${step.spec.id}/${check.id} wants exit code ${expected.join(' or ')} from \`${ran.typed}\`, which exits ${real}:\n${ran.output}`);
        }
      }
    }
    expect(demanding).toEqual([]);
  });
});
