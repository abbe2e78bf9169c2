import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import Docker from 'dockerode';
import { EventHub } from '../../electron/node/backend/events.ts';
import { CheckEngine } from '../../electron/node/checks/check-engine.ts';
import { createCheckHandlers } from '../../electron/node/checks/check-handlers.ts';
import { createClusterHandlers } from '../../electron/node/cluster/cluster-handlers.ts';
import { ClusterService } from '../../electron/node/cluster/cluster-service.ts';
import type { CheckWorld, EvaluateCheck } from '../../electron/node/checks/check-world.ts';
import { evaluateCheck } from '../../electron/node/checks/evaluate-check.ts';
import type { LabGrade } from '../../electron/node/checks/grade.ts';
import type { JournalLabGrade } from '../../electron/node/checks/journal-grade.ts';
import { snapshotCommand } from '../../electron/node/checks/snapshot-command.ts';
import { FileClusterAccess } from '../../electron/node/env/cluster-access.ts';
import { ApiAuditLog } from '../../electron/node/env/api-audit-log.ts';
import { LabCommandLog } from '../../electron/node/env/command-log.ts';
import { resolveEnvConfig } from '../../electron/node/env/config.ts';
import { terminalSourceMatcher } from '../../electron/node/env/terminal-sources.ts';
import { LabCatalog } from '../../electron/node/labs/lab-catalog.ts';
import { courseVersion } from '../../electron/node/course-format/lab-schema.ts';
import { openDataFolder } from '../../electron/node/progress/open-data-folder.ts';
import { ProgressStore } from '../../electron/node/progress/progress-store.ts';
import { withoutComment, type StepScript } from '../scripted-attendee/guide-script.ts';
import { JumphostTerminal } from '../scripted-attendee/jumphost-terminal.ts';
import { NodeTerminal } from '../scripted-attendee/node-terminal.ts';
import { COURSE_DIR, labManifests, putHomeFiles, TEST_KUBECONFIG, testContainers, testKubeConfig, waitFor } from './lab-cluster.ts';
import { containerId, TEST_ENV_CONFIG } from './test-cluster.ts';

/**
 * The scripted attendee of scripted-attendee.cluster.test.ts: one attendee typing a course script into the real
 * jumphost, node and host terminals (or pressing the editor's Apply), with the product's check engine,
 * progress store and evidence journal wired as create-backend.ts wires them.
 */

const docker = new Docker();
const repoRoot = path.resolve(COURSE_DIR, '..');
const run = promisify(execFile);

/** Manifests the scripted attendee applies with the editor's Apply instead of typing `kubectl apply -f`. */
const EDITOR_APPLIES = new Set(['nginx-service.yaml', 'nlb-sample-service.yaml']);

const STEP_TIMEOUT_MS = 60_000;
export const RUN_TIMEOUT_MS = 900_000;
/** The renderer window the calls come from, as the dispatcher passes it. */
export const WINDOW = { clientId: 'scripted-attendee' };

export interface TypedLine {
  labId: string;
  stepId: string;
  terminal: string;
  command: string;
  exitCode: number;
  startedAt?: string | undefined;
  source: string;
  output: string;
}

export interface RunResult {
  journal: string;
  dataDir: string;
  /** Steps that did not complete while the attendee was on them, with the results that were not passed. */
  open: Array<{ labId: string; stepId: string; notPassed: string[] }>;
  /** Seconds from each completed step's last typed line to its turning green. */
  reaction: Array<{ at: string; seconds: number }>;
  /** Every line typed, with its record and what the terminal printed. */
  typed: TypedLine[];
  /** Every probe and HTTP check the engine ran. */
  probes: ProbeRun[];
  /** The end state as `labdeck grade` tells graders to capture it (its kubectl get, run for real). */
  snapshot?: string;
}

/** One probe (or HTTP check) the engine ran on the real cluster, with what the real tool answered. */
export interface ProbeRun {
  at: string;
  target: string;
  argv: string[];
  exitCode: number;
  output: string;
}

/** The engine's own world (LiveWorld over the environment), with every probe and HTTP request it ran logged. */
function loggedProbes(world: CheckWorld, at: string, runs: ProbeRun[], recording: () => boolean): CheckWorld {
  return {
    probes: true,
    listObjects: (selector) => world.listObjects(selector),
    commandRecords: () => world.commandRecords(),
    ...(world.earlierCommandRecords ? { earlierCommandRecords: () => world.earlierCommandRecords!() } : {}),
    ...(world.publishedPort ? { publishedPort: (nodePort: number) => world.publishedPort!(nodePort) } : {}),
    runProbe: async (target, argv, timeoutMs) => {
      const where = 'verifier' in target ? 'verifier' : 'node' in target ? `node ${target.node}` : `pod ${target.pod.namespace}/${target.pod.name}`;
      try {
        const outcome = await world.runProbe(target, argv, timeoutMs);
        if (outcome && recording()) runs.push({ at, target: where, argv, exitCode: outcome.exitCode, output: outcome.output });
        return outcome;
      } catch (error) {
        if (recording()) runs.push({ at, target: where, argv, exitCode: -1, output: String(error) });
        throw error;
      }
    },
    httpGet: async (nodePort, requestPath, timeoutMs) => {
      const argv = [`GET nodePort ${nodePort}${requestPath}`];
      try {
        const response = await world.httpGet(nodePort, requestPath, timeoutMs);
        if (response && recording()) runs.push({ at, target: 'this computer', argv, exitCode: 0, output: `${response.status}\n${response.body}` });
        return response;
      } catch (error) {
        if (recording()) runs.push({ at, target: 'this computer', argv, exitCode: 1, output: String(error) });
        throw error;
      }
    },
  };
}

/** The address the cluster gave pod nginx (what `kubectl get pod nginx -o wide` shows the attendee). */
async function nginxPodIP(kubeConfig: KubeConfig): Promise<string | undefined> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const pod = (await api.read({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'default' } }).catch(() => undefined)) as { status?: { podIP?: string } } | undefined;
  return pod?.status?.podIP || undefined;
}

/**
 * Placeholders the guide asks the attendee to replace with their own values, replaced the way an attendee
 * would: by reading them from the cluster.
 */
async function personalize(line: string, labId: string, stepId: string, kubeConfig: KubeConfig): Promise<string> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  if (labId === '1.3' && stepId === 'describe-deployment' && line.includes('nginx-deployment-66b6c48dd5-abcde')) {
    // "kubectl delete pod nginx-deployment-66b6c48dd5-abcde   # any one of your pod names"
    const pods = await api.list('v1', 'Pod', 'default', undefined, undefined, undefined, undefined, 'app=nginx');
    const name = pods.items.find((pod) => !pod.metadata?.deletionTimestamp)?.metadata?.name;
    if (!name) throw new Error('no pod of nginx-deployment to delete');
    return line.replace('nginx-deployment-66b6c48dd5-abcde', name);
  }
  if (labId === '1.7' && stepId === 'pod-records' && line.includes('10-244-1-5')) {
    // "Use your pod's address in place of 10.244.1.5."
    const ip = await nginxPodIP(kubeConfig);
    if (!ip) throw new Error('pod nginx has no IP yet');
    return line.replaceAll('10-244-1-5', ip.replaceAll('.', '-'));
  }
  if (labId === '1.9' && stepId === 'from-laptop' && line.includes('localhost:30080')) {
    // "for curl, use the port `labdeck env status` prints instead of 30080": the port published here.
    const port = await testContainers(docker).publishedPort(30080);
    if (!port) throw new Error('nodePort 30080 is not published by the test environment');
    return line.replaceAll('localhost:30080', `localhost:${port}`);
  }
  return line;
}

/** The next whole second: the jumphost's recorder writes startedAt in whole seconds (bash history's %s). */
async function pastTheSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

/**
 * Puts the cluster back to where a new attendee starts: every step's `cleanup` through the engine's
 * labs.cleanup (as the lab list's reset does), then what no cleanup lists (the namespace production of 1.4),
 * and waits until the objects are really gone (graceful pod deletion, the namespace controller).
 */
export async function resetCluster(handlers: ReturnType<typeof createCheckHandlers>, catalog: LabCatalog, kubeConfig: KubeConfig): Promise<void> {
  for (const lab of catalog.labs()) await handlers['labs.cleanup']({ labId: lab.file.id }, WINDOW);
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  await api.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'production' } }).catch((error: { code?: number }) => {
    if (error.code !== 404) throw error;
  });
  const names = ['nginx-kubectl', 'nginx', 'alpine', 'mypod'];
  const gone = await waitFor(async () => {
    const pods = (await api.list('v1', 'Pod', 'default')).items;
    const namespaces = (await api.list('v1', 'Namespace')).items;
    return !pods.some((pod) => names.includes(pod.metadata?.name ?? '') || pod.metadata?.labels?.app === 'nginx') && !namespaces.some((ns) => ns.metadata?.name === 'production');
  }, 180_000, 500);
  if (!gone) throw new Error('the cluster did not return to its initial state within 180 s');
}

/**
 * The lab's command log as the backend builds it: each kubectl line must also be in master1's real API
 * audit log, sent from the terminal's machine. dispose() stops following the audit log.
 */
export function labCommandLog(): { log: LabCommandLog; dispose: () => void } {
  const audit = new ApiAuditLog(docker, () => testContainers(docker).containerFor({ kind: 'node', node: 'master1' }));
  return { log: new LabCommandLog({ source: audit, sentFrom: terminalSourceMatcher(resolveEnvConfig(TEST_ENV_CONFIG)) }), dispose: () => audit.dispose() };
}

export function engineFor(catalog: LabCatalog, commandLog: LabCommandLog, extra: Partial<ConstructorParameters<typeof CheckEngine>[0]> = {}): CheckEngine {
  return new CheckEngine({
    catalog,
    cluster: new FileClusterAccess(TEST_KUBECONFIG),
    containers: testContainers(docker),
    commandLog,
    events: new EventHub(),
    onResult: () => undefined,
    ...extra,
  });
}

/** One attendee, from the first step of 1.1 to the last of 1.9, with a fresh data folder and a new jumphost shell. */
export async function attend(
  catalog: LabCatalog,
  scripts: readonly StepScript[],
  options: {
    skip?: { labId: string; stepId: string };
    snapshot?: boolean;
    /** The attendee's copy of a lab manifest, changed (a wrong world the attendee made). */
    editFile?: (name: string, content: string) => string;
    stepTimeoutMs?: number;
    runLabel?: string;
    /** What the attendee typed instead of a line of the script (null: left it out): their mistakes. */
    alter?: (line: { labId: string; stepId: string; text: string; terminal: string }) => { text: string; terminal: string } | null;
  },
): Promise<RunResult> {
  const kubeConfig = testKubeConfig();
  const runLabel = options.runLabel ?? (options.skip ? 'skipping' : 'complete');
  const probeRuns: ProbeRun[] = [];
  const dataDir = await mkdtemp(path.join(tmpdir(), 'labdeck-attendee-data-'));
  // Probes the engine still runs while the cluster is reset after the last step are not the attendee's.
  let attending = true;

  // The manifests of every lab, as the attendee would have saved them in the jumphost's home folder.
  const files = labManifests(catalog);
  if (options.editFile) for (const [name, content] of files) files.set(name, options.editFile(name, content));
  await putHomeFiles(docker, files);
  const jumphostId = await containerId(docker, 'jumphost');
  const lab = labCommandLog();
  const commandLog = lab.log;
  // The jumphost terminal as the terminal service opens it; its believed reports go to the command log.
  const terminal = await JumphostTerminal.open(docker, jumphostId, (record) => commandLog.record(record));

  // Wired as electron/node/backend/create-backend.ts wires it, with the jumphost's real command log.
  const events = new EventHub();
  // The data folder as the backend opens it: its lock, and the journal signed with the attendee's report key
  // and bound to this cluster and course version.
  const dataFolder = await openDataFolder({ dataDir, courseId: catalog.courseId, courseVersion: courseVersion(catalog.course), cluster: new FileClusterAccess(TEST_KUBECONFIG) });
  const journal = dataFolder.journal;
  const progress = await ProgressStore.open({ file: path.join(dataDir, 'progress.json'), catalog, events, journal, beforeWrite: dataFolder.beforeWrite });
  const evaluate: EvaluateCheck = (check, world, context) =>
    evaluateCheck(check, check.kind === 'probe' || check.kind === 'http' ? loggedProbes(world, `${context.labId}/${context.stepId}/${check.id}`, probeRuns, () => attending) : world, context);
  const engine = engineFor(catalog, commandLog, {
    events,
    onResult: (result) => progress.observe(result),
    journal,
    progressStartedAt: (labId) => progress.get().labs[labId]?.startedAt,
    evaluate,
  });
  const handlers = createCheckHandlers(engine, (labId, stepId) => progress.activate(labId, stepId));
  // The editor, wired as create-backend.ts wires it: its Apply is recorded in the command log.
  const editor = new ClusterService({ cluster: new FileClusterAccess(TEST_KUBECONFIG), events });
  const clusterHandlers = createClusterHandlers(editor, (action) => commandLog.recordEditorAction(action));
  const result: RunResult = { journal: journal.file, dataDir, open: [], reaction: [], typed: [], probes: probeRuns };
  let shellSeq = 0;
  const nodeTerminals = new Map<string, NodeTerminal>();

  try {
    for (const script of scripts) {
      const { labId, stepId } = script;
      const stepStarted = Date.now();
      await handlers['labs.activate']({ labId, stepId }, WINDOW);
      const skipped = options.skip?.labId === labId && options.skip.stepId === stepId;
      if (!skipped) {
        // The recorder's startedAt is in whole seconds; a line typed in the same second as the opening would
        // read as typed before it. An attendee reads the step first anyway.
        await pastTheSecond();
        for (const scripted of script.lines) {
          const altered = options.alter ? options.alter({ labId, stepId, text: scripted.text, terminal: scripted.terminal }) : scripted;
          if (!altered) continue;
          const line = { ...scripted, ...altered };
          const text = await personalize(line.text, labId, stepId, kubeConfig);
          const applied = /^kubectl apply -f (\S+\.yaml)$/.exec(withoutComment(text));
          if (applied && line.terminal === 'jumphost' && EDITOR_APPLIES.has(applied[1]!)) {
            // "Apply it": this attendee opens the file in the editor and presses Apply (the product's call).
            const startedAt = new Date().toISOString();
            const outcome = await clusterHandlers['cluster.apply']({ yaml: files.get(applied[1]!) ?? '', fileName: applied[1]! }, WINDOW);
            result.typed.push({ labId, stepId, terminal: 'editor', command: `kubectl apply -f ${applied[1]!}`, exitCode: outcome.ok ? 0 : 1, startedAt, source: line.from, output: JSON.stringify(outcome.problems) });
            continue;
          }
          if (line.terminal === 'jumphost') {
            const { record, output } = await terminal.type(text);
            result.typed.push({ labId, stepId, terminal: 'jumphost', command: record.command, exitCode: record.exitCode, startedAt: record.startedAt, source: line.from, output });
          } else if (line.terminal === 'host') {
            // The host shell tab is the laptop's own shell: the line runs in this machine's bash, and its record
            // enters the command log as the host shell's integration reports it.
            const startedAt = new Date().toISOString();
            const outcome = await run('bash', ['-c', text], { timeout: 60_000 }).then(
              ({ stdout, stderr }) => ({ exitCode: 0, output: stdout + stderr }),
              (error: { code?: number; stdout?: string; stderr?: string }) => ({ exitCode: typeof error.code === 'number' ? error.code : 1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
            );
            commandLog.record({ time: new Date().toISOString(), startedAt, command: text, exitCode: outcome.exitCode, terminal: 'host', shellPid: 1000 + ++shellSeq });
            result.typed.push({ labId, stepId, terminal: 'host', command: text, exitCode: outcome.exitCode, startedAt, source: line.from, output: outcome.output });
          } else {
            // A node terminal, as the terminal service opens it: the node shell with its status prompt, and the
            // product's terminal recorder turning keys and prompt into the record the command log receives.
            let node = nodeTerminals.get(line.terminal);
            if (!node) {
              node = await NodeTerminal.open(docker, await containerId(docker, line.terminal), line.terminal, 1000 + ++shellSeq, (record) => commandLog.record(record));
              nodeTerminals.set(line.terminal, node);
            }
            const { record, output } = await node.type(text);
            result.typed.push({ labId, stepId, terminal: line.terminal, command: record.command, exitCode: record.exitCode, startedAt: record.startedAt, source: line.from, output });
          }
        }
      }
      const done = () => progress.get().labs[labId]?.steps[stepId]?.status === 'done';
      // The skipped step gets a moment in which it could (wrongly) complete before the attendee moves on.
      const lastAction = Date.now();
      const completed = await waitFor(done, skipped ? 3_000 : (options.stepTimeoutMs ?? STEP_TIMEOUT_MS), 100);
      if (completed) result.reaction.push({ at: `${labId}/${stepId}`, seconds: (Date.now() - lastAction) / 1000 });
      if (!completed) {
        const notPassed = engine
          .results(labId)
          .filter((check) => check.stepId === stepId && check.status !== 'passed' && !catalog.requireStep(labId, stepId).spec.checks.find((spec) => spec.id === check.checkId)?.context)
          .map((check) => `${check.checkId}: ${check.status}: ${check.message}`);
        result.open.push({ labId, stepId, notPassed });
      }
      // A slow step is where a run that runs out of time spent it: say so in the test output.
      const seconds = (Date.now() - stepStarted) / 1000;
      if (seconds > 20 || (!completed && !skipped)) {
        const why = result.open.find((open) => open.labId === labId && open.stepId === stepId)?.notPassed.join('; ') ?? '';
        console.log(`[scripted-attendee] ${runLabel}: ${labId}/${stepId} took ${seconds.toFixed(1)} s${completed ? '' : ` and stayed open: ${why}`}`);
      }
    }
    await progress.journaled();
    if (options.snapshot) {
      // What a grader would capture at the end: the kubectl get that `labdeck grade` recommends, run by the
      // jumphost's real kubectl (not typed: it is the grader's command, not the attendee's).
      const command = snapshotCommand(catalog.labs()).replace(/\s*>\s*\S+$/, '');
      const { stdout } = await run('docker', ['exec', jumphostId, 'sh', '-c', command], { maxBuffer: 64 * 1024 * 1024 });
      result.snapshot = path.join(dataDir, 'snapshot.json');
      await writeFile(result.snapshot, stdout);
    }
  } finally {
    attending = false;
    await resetCluster(handlers, catalog, kubeConfig).catch((error: unknown) => console.warn(`[scripted-attendee] reset failed: ${String(error)}`));
    await engine.dispose();
    await editor.dispose();
    await progress.flush();
    await dataFolder.release();
    terminal.dispose();
    lab.dispose();
    for (const node of nodeTerminals.values()) node.dispose();
    // The next attendee finds the course's own manifests.
    if (options.editFile) await putHomeFiles(docker, labManifests(catalog));
  }
  return result;
}

export interface GradeReport {
  evidence?: { confirmed: number; notJudgeable: number; refused: Array<{ seq: number; labId: string; stepId: string; checkId: string; reason: string }> };
  journal: JournalLabGrade[];
  holdsNow?: { source: string; labs: LabGrade[] };
}

/** `labdeck grade --lab all --format json` with the given sources, as a grader runs it (the CLI itself). */
export async function labdeckGrade(sources: { journal?: string; snapshot?: string }): Promise<{ exitCode: number; report: GradeReport }> {
  const args = ['grade', '--lab', 'all', '--labs', COURSE_DIR, '--format', 'json'];
  if (sources.journal) args.push('--journal', sources.journal);
  if (sources.snapshot) args.push('--snapshot', sources.snapshot);
  try {
    const { stdout } = await run(process.execPath, [path.join(repoRoot, 'electron/cli/labdeck.js'), ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    return { exitCode: 0, report: JSON.parse(stdout) as GradeReport };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number' || !failed.stdout) throw new Error(`labdeck grade failed: ${failed.stderr ?? String(error)}`);
    return { exitCode: failed.code, report: JSON.parse(failed.stdout) as GradeReport };
  }
}
