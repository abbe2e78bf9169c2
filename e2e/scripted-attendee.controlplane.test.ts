import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabContainers } from '../electron/node/backend/ports.ts';
import { EventHub } from '../electron/node/backend/events.ts';
import { CheckEngine } from '../electron/node/checks/check-engine.ts';
import { createCheckHandlers } from '../electron/node/checks/check-handlers.ts';
import type { CheckWorld, CommandRecord, EvaluateCheck, ProbeOutcome } from '../electron/node/checks/check-world.ts';
import { evaluateCheck } from '../electron/node/checks/evaluate-check.ts';
import type { LabGrade } from '../electron/node/checks/grade.ts';
import type { JournalLabGrade } from '../electron/node/checks/journal-grade.ts';
import { snapshotCommand } from '../electron/node/checks/snapshot-command.ts';
import { FileClusterAccess } from '../electron/node/env/cluster-access.ts';
import { JumphostCommandLog, LabCommandLog } from '../electron/node/env/command-log.ts';
import { execCollect } from '../electron/node/env/docker-exec.ts';
import { dockerTestBlocker, uniqueSuffix } from '../electron/node/env/test-docker.ts';
import { JUMPHOST_IMAGE } from '../electron/node/env/versions.ts';
import { LabCatalog } from '../electron/node/labs/lab-catalog.ts';
import { courseVersion } from '../electron/node/course-format/lab-schema.ts';
import { EvidenceJournal, journalFile, readJournal } from '../electron/node/progress/evidence-journal.ts';
import { ProgressStore } from '../electron/node/progress/progress-store.ts';
import { controlPlaneSkipReason, sharedControlPlane, titled } from './controlplane/shared.ts';
import { HARNESS_IMAGES } from './dataplane/images.ts';
import { LiveMirror } from './dataplane/live-mirror.ts';
import { podGateway } from './dataplane/world.ts';
import { startMirrorServer, type MirrorLog } from './scripted-attendee/mirror-commands.ts';
import { courseScript, withoutComment, type StepScript } from './scripted-attendee/guide-script.ts';
import { JumphostTerminal } from './scripted-attendee/jumphost-terminal.ts';

/**
 * Issue 9, "Done when": a scripted attendee types the guide's commands and each step's solution commands in
 * order, in the product's jumphost image (its real bash, kubectl and command recorder) against the real
 * control plane, and the product's check engine, wired as create-backend.ts wires it (progress store +
 * evidence journal + engine, steps opened through labs.activate), completes every step of labs 1.1-1.9 in
 * one run. The same attendee skipping one step leaves exactly that step open. `labdeck grade --journal` on
 * the first run's journal reports all nine labs complete, with evidence.
 *
 * A third attendee makes a wrong world (1.5's Service with targetPort 8080): the curl through the Service
 * really fails in the mirror, and the steps that need it stay open.
 *
 * What is real: every object (kubectl apply/run/expose/delete against kube-apiserver; controllers build
 * ReplicaSets, pods, Endpoints; the namespace controller deletes namespaces), every kubectl command's exit
 * code and the recorder's timestamps, the engine's informers, CEL, command parsing, journal and progress.
 * What is live below the API: the data plane is a live mirror of this control plane (e2e/dataplane/
 * live-mirror.ts): its Nodes, Pods, Services and EndpointSlices, re-read before every data-plane command and
 * probe, made real by the data-plane harness (pods at the addresses and on the nodes the control plane gave
 * them, kube-proxy's iptables rules for the real ClusterIPs, NodePorts and endpoints, host-gw routes, a DNS
 * server with the cluster's records). In it run, for real: the attendee's curl and `hostname` (in the
 * harness's jumphost at 10.1.1.5), `kubectl exec` (in the mirrored pod) and `kubectl logs` (the mirrored
 * container's log), handed over by the attendee's bash after it expanded the line
 * (scripted-attendee/mirror-commands.ts); node terminal lines (in the mirrored node); every probe (verifier
 * and node probes through the product's DockerLabContainers, pod probes in the mirrored pod) and the HTTP
 * check (the engine's own GET to the nodePort the mirror publishes on this computer, as the product does);
 * the laptop's curl in the host shell tab (this machine's bash and curl, through that published port).
 * Not the mirror, and why: 1.1's probe of https://10.1.1.10:6443 goes to the real API server on this
 * host's loopback (the harness's networks cannot reach it), from the product's jumphost image on the host
 * network. Nothing is answered from a recording.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const labsDir = path.join(repoRoot, 'labs');
const run = promisify(execFile);
const dockerCheck = controlPlaneSkipReason() ? undefined : await dockerTestBlocker([JUMPHOST_IMAGE, ...HARNESS_IMAGES]);
const blocker = controlPlaneSkipReason() ?? dockerCheck?.reason ?? undefined;

/** The step the second run's attendee opens and then leaves without typing anything. */
const SKIPPED = { labId: '1.4', stepId: 'describe-delete' } as const;

/**
 * Steps expected not to complete for a real reason (a check that is wrong against real kubectl output or
 * exit codes), each with that reason. The test asserts that exactly these stay open, so a fixed lab shows up
 * as a failure here until it is removed from the list.
 */
const EXPECTED_TO_FAIL: ReadonlyArray<{ labId: string; stepId: string; reason: string }> = [];

const STEP_TIMEOUT_MS = 45_000;
/** The renderer window the calls come from, as the dispatcher passes it. */
const WINDOW = { clientId: 'scripted-attendee' };

interface RunResult {
  journal: string;
  dataDir: string;
  /** Steps that did not complete while the attendee was on them, with the results that were not passed. */
  open: Array<{ labId: string; stepId: string; notPassed: string[] }>;
  /** Every line typed, with its record. */
  typed: Array<{ labId: string; stepId: string; terminal: string; command: string; exitCode: number; startedAt?: string | undefined; source: string; output?: string }>;
  /** What the attendee's bash handed to the mirror (curl, kubectl exec/logs) and what it could not run. */
  dataplane: MirrorLog;
  /** Every probe and HTTP check the engine ran in the mirror. */
  probes: ProbeRun[];
  /** The end state as `labdeck grade` tells graders to capture it (its kubectl get, run for real). */
  snapshot?: string;
}

/** One probe (or HTTP check) the engine ran in the mirror, with what the real tool answered. */
interface ProbeRun {
  at: string;
  target: string;
  argv: string[];
  exitCode: number;
  output: string;
}

/**
 * Probe and HTTP checks run for real in the live mirror (e2e/dataplane/live-mirror.ts), synced with the control
 * plane first so a probe sees what the attendee's commands did. Verifier and node probes go through the world
 * the engine built (LiveWorld over the harness's containers: the product's own DockerLabContainers lookup and
 * exec); pod probes run in the mirrored pod, where the product goes through the Kubernetes exec API, which has
 * no kubelet to reach here.
 */
function mirroredProbes(world: CheckWorld, mirror: LiveMirror, apiServer: ApiServerRoute, at: string, runs: ProbeRun[]): CheckWorld {
  const logged = (target: string, argv: string[], outcome: ProbeOutcome): ProbeOutcome => {
    runs.push({ at, target, argv, exitCode: outcome.exitCode, output: outcome.output });
    return outcome;
  };
  return {
    probes: true,
    listObjects: (selector) => world.listObjects(selector),
    commandRecords: () => world.commandRecords(),
    ...(world.earlierCommandRecords ? { earlierCommandRecords: () => world.earlierCommandRecords!() } : {}),
    runProbe: async (target, argv, timeoutMs) => {
      await mirror.sync();
      if ('pod' in target) {
        const outcome = await mirror.execInPod(target.pod.namespace, target.pod.name, argv, timeoutMs);
        // What the exec API says when the pod does not exist (or is not running: then the mirror has no container).
        if (!outcome) throw new Error(`pods "${target.pod.name}" not found`);
        return logged(`pod ${target.pod.namespace}/${target.pod.name}`, argv, outcome);
      }
      if ('verifier' in target && argv.some((word) => word.includes(apiServer.labUrl))) {
        // Nothing of the mirror listens on master1:6443: the control plane's API server listens on this host's
        // loopback, which the harness's networks cannot reach. The same curl goes to the real API server from a
        // container of the product's jumphost image (the verifier's image) on the host's network instead.
        const rewritten = argv.map((word) => word.replaceAll(apiServer.labUrl, apiServer.hostUrl));
        return logged('verifier (host network, to the real API server)', rewritten, await execCollect(dockerCheck!.docker, apiServer.containerId(), rewritten, { timeoutMs }));
      }
      const outcome = await world.runProbe(target, argv, timeoutMs);
      if (!outcome) throw new Error('the engine\'s world ran no probe');
      return logged('verifier' in target ? 'verifier' : `node ${target.node}`, argv, outcome);
    },
    httpGet: async (nodePort, requestPath, timeoutMs) => {
      // The engine's own GET to the port published on this computer (LiveWorld), which the mirror carries to
      // the server node's nodePort (LiveMirror.publishedPort).
      await mirror.sync();
      const response = await world.httpGet(nodePort, requestPath, timeoutMs).catch((error: unknown) => {
        runs.push({ at, target: 'this computer', argv: [`GET nodePort ${nodePort}${requestPath}`], exitCode: 1, output: String(error) });
        throw error;
      });
      if (response) runs.push({ at, target: 'this computer', argv: [`GET nodePort ${nodePort}${requestPath}`], exitCode: 0, output: `${response.status}\n${response.body}` });
      return response;
    },
  };
}

/** Where a probe of the API server's lab address really goes (see mirroredProbes). */
interface ApiServerRoute {
  /** https://<server node>:6443, as the labs name it. */
  labUrl: string;
  /** https://127.0.0.1:<port>, where the test control plane listens. */
  hostUrl: string;
  containerId: () => string;
}

/** For the engine that only resets the cluster: it runs no probe. */
const noContainers: LabContainers = {
  containerFor: async () => null,
  nodeNames: async () => ['master1', 'worker1', 'worker2'],
  exec: async () => {
    throw new Error('no lab containers in the scripted-attendee test');
  },
  execInteractive: async () => {
    throw new Error('no lab containers in the scripted-attendee test');
  },
  publishedPort: async () => null,
};

/** The address the control plane gave pod nginx (what `kubectl get pod nginx -o wide` shows the attendee). */
async function nginxPodIP(kubeConfig: KubeConfig): Promise<string | undefined> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const pod = (await api.read({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'default' } }).catch(() => undefined)) as { status?: { podIP?: string } } | undefined;
  return pod?.status?.podIP || undefined;
}

/**
 * Placeholders the guide asks the attendee to replace with their own values, replaced the way an attendee
 * would: by reading them from the cluster.
 */
async function personalize(line: string, labId: string, stepId: string, kubeConfig: KubeConfig, mirror: LiveMirror): Promise<string> {
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
    const port = mirror.publishedPort(30080);
    if (!port) throw new Error('nodePort 30080 is not published by the mirror');
    return line.replaceAll('localhost:30080', `localhost:${port}`);
  }
  return line;
}

/** The next whole second: the jumphost's recorder writes startedAt in whole seconds (bash history's %s). */
async function pastTheSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Puts the cluster back to where a new attendee starts: every step's `cleanup` through the engine's
 * labs.cleanup (as the lab list's reset does), then what no cleanup lists (the namespace production of 1.4),
 * and waits until the objects are really gone (graceful pod deletion, the namespace controller).
 */
async function resetCluster(handlers: ReturnType<typeof createCheckHandlers>, catalog: LabCatalog, kubeConfig: KubeConfig): Promise<void> {
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
  }, 90_000);
  if (!gone) throw new Error('the cluster did not return to its initial state within 90 s');
}

/** One attendee, from the first step of 1.1 to the last of 1.9, with a fresh data folder and jumphost. */
async function attend(
  catalog: LabCatalog,
  scripts: readonly StepScript[],
  mirror: LiveMirror,
  options: {
    skip?: { labId: string; stepId: string };
    snapshot?: boolean;
    /** The attendee's copy of a lab manifest, changed (a wrong world the attendee made). */
    editFile?: (name: string, content: string) => string;
    stepTimeoutMs?: number;
    runLabel?: string;
  },
): Promise<RunResult> {
  const controlPlane = sharedControlPlane();
  const kubeConfig = controlPlane.kubeConfig();
  const docker = dockerCheck!.docker;
  const server = await startMirrorServer(mirror);
  const probeRuns: ProbeRun[] = [];
  const dataDir = await mkdtemp(path.join(tmpdir(), 'labdeck-attendee-data-'));

  // The manifests of every lab, as the attendee would have saved them on the jumphost.
  const files = new Map<string, string>();
  for (const lab of catalog.labs()) for (const step of lab.steps) for (const [relative, content] of step.manifests) files.set(path.basename(relative), content);
  if (options.editFile) for (const [name, content] of files) files.set(name, options.editFile(name, content));
  const terminal = await JumphostTerminal.start(docker, { kubeconfigPath: controlPlane.kubeconfigPath, files, runLabel: options.runLabel ?? (options.skip ? 'skipping' : 'complete'), mirrorPort: server.port });
  const serverNode = mirror.world.nodes.find((node) => node.role === 'server');
  const apiServer: ApiServerRoute = { labUrl: `https://${serverNode?.ip ?? '10.1.1.10'}:6443`, hostUrl: controlPlane.server, containerId: () => terminal.containerId };

  // Wired as electron/node/backend/create-backend.ts wires it, with the jumphost's real command log.
  const events = new EventHub();
  const journal = await EvidenceJournal.open(journalFile(dataDir, catalog.courseId), { courseId: catalog.courseId, courseVersion: courseVersion(catalog.course) });
  const progress = await ProgressStore.open({ file: path.join(dataDir, 'progress.json'), catalog, events, journal });
  const commandLog = new LabCommandLog(new JumphostCommandLog(docker, async () => terminal.containerId));
  const evaluate: EvaluateCheck = (check, world, context) =>
    evaluateCheck(check, check.kind === 'probe' || check.kind === 'http' ? mirroredProbes(world, mirror, apiServer, `${context.labId}/${context.stepId}/${check.id}`, probeRuns) : world, context);
  const engine = new CheckEngine({
    catalog,
    cluster: new FileClusterAccess(controlPlane.kubeconfigPath),
    // Verifier and node probes find the mirror's containers by Labdeck's labels, as in a real environment.
    containers: mirror.containers(),
    commandLog,
    events,
    onResult: (result) => progress.observe(result),
    journal,
    progressStartedAt: (labId) => progress.get().labs[labId]?.startedAt,
    evaluate,
  });
  const handlers = createCheckHandlers(engine, (labId, stepId) => progress.activate(labId, stepId));
  let records: CommandRecord[] = [];
  const unsubscribe = commandLog.subscribe((all) => {
    records = all;
  });
  const result: RunResult = { journal: journal.file, dataDir, open: [], typed: [], dataplane: server.log, probes: probeRuns };
  let shellSeq = 0;

  try {
    for (const script of scripts) {
      const { labId, stepId } = script;
      const stepStarted = Date.now();
      await handlers['labs.activate']({ labId, stepId }, WINDOW);
      const skipped = options.skip?.labId === labId && options.skip.stepId === stepId;
      if (!skipped) {
        // The recorder's startedAt is in whole seconds; a line typed in the same second as the opening would
        // read as typed before it (see the report of this test). An attendee reads the step first anyway.
        await pastTheSecond();
        for (const line of script.lines) {
          const text = await personalize(line.text, labId, stepId, kubeConfig, mirror);
          if (line.terminal === 'jumphost') {
            const record = await terminal.type(text, () => records);
            result.typed.push({ labId, stepId, terminal: 'jumphost', command: record.command, exitCode: record.exitCode, startedAt: record.startedAt, source: line.from });
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
            // A node terminal: the line runs in the mirror's node container (sh as root, as in a k3s node's
            // shell), and its record enters the command log the way the terminal service's node recorder
            // (terminals/node-command-recorder.ts) hands it over.
            const startedAt = new Date().toISOString();
            await mirror.sync();
            const outcome = await mirror.harness.exec({ node: line.terminal }, ['sh', '-c', text], { timeoutMs: 60_000 });
            commandLog.record({ time: new Date().toISOString(), startedAt, command: text, exitCode: outcome.exitCode, terminal: line.terminal, shellPid: 1000 + ++shellSeq });
            result.typed.push({ labId, stepId, terminal: line.terminal, command: text, exitCode: outcome.exitCode, startedAt, source: line.from, output: outcome.output });
          }
        }
      }
      const done = () => progress.get().labs[labId]?.steps[stepId]?.status === 'done';
      // The skipped step gets a moment in which it could (wrongly) complete before the attendee moves on.
      const completed = await waitFor(done, skipped ? 3_000 : (options.stepTimeoutMs ?? STEP_TIMEOUT_MS));
      if (!completed) {
        const notPassed = engine
          .results(labId)
          .filter((check) => check.stepId === stepId && check.status !== 'passed' && !catalog.requireStep(labId, stepId).spec.checks.find((spec) => spec.id === check.checkId)?.context)
          .map((check) => `${check.checkId}: ${check.status}: ${check.message}`);
        result.open.push({ labId, stepId, notPassed });
      }
      // A slow step is where a run that runs out of time spent it: say so in the test output.
      const seconds = (Date.now() - stepStarted) / 1000;
      if (seconds > 15 || (!completed && !skipped)) {
        const why = result.open.find((open) => open.labId === labId && open.stepId === stepId)?.notPassed.join('; ') ?? '';
        if (process.env.LABDECK_DEBUG_ATTENDEE) for (const answered of server.log.answered.filter((entry) => entry.exitCode !== 0)) console.log(`[scripted-attendee] mirror answered ${answered.argv} with ${answered.exitCode}: ${answered.output}`);
        console.log(`[scripted-attendee] ${options.runLabel ?? (options.skip ? 'skipping' : 'complete')}: ${labId}/${stepId} took ${seconds.toFixed(1)} s${completed ? '' : ` and stayed open: ${why}`}`);
      }
    }
    await progress.journaled();
    if (options.snapshot) {
      // What a grader would capture at the end: the kubectl get that `labdeck grade` recommends, run by the
      // jumphost's real kubectl (not typed: it is the grader's command, not the attendee's).
      const command = snapshotCommand(catalog.labs()).replace(/\s*>\s*\S+$/, '');
      const { stdout } = await run('docker', ['exec', terminal.containerId, 'sh', '-c', command], { maxBuffer: 64 * 1024 * 1024 });
      result.snapshot = path.join(dataDir, 'snapshot.json');
      await writeFile(result.snapshot, stdout);
    }
  } finally {
    unsubscribe();
    await resetCluster(handlers, catalog, kubeConfig).catch((error: unknown) => console.warn(`[scripted-attendee] reset failed: ${String(error)}`));
    await engine.dispose();
    await progress.flush();
    await terminal.dispose();
    await server.close();
  }
  return result;
}

interface GradeReport {
  journal: JournalLabGrade[];
  holdsNow?: { source: string; labs: LabGrade[] };
}

/** `labdeck grade --lab all --format json` with the given sources, as a grader runs it (the CLI itself). */
async function labdeckGrade(sources: { journal?: string; snapshot?: string }): Promise<{ exitCode: number; report: GradeReport }> {
  const args = ['grade', '--lab', 'all', '--labs', labsDir, '--format', 'json'];
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

const describeLabel = `a scripted attendee on the real control plane${blocker && !controlPlaneSkipReason() ? ` (skipped: ${blocker})` : ''}`;

describe.skipIf(blocker)(titled(describeLabel), () => {
  let catalog: LabCatalog;
  let scripts: StepScript[];
  let complete: RunResult | undefined;
  let skipping: RunResult | undefined;
  let wrong: RunResult | undefined;
  let mirror: LiveMirror | undefined;

  beforeAll(async () => {
    catalog = await LabCatalog.load(labsDir);
    scripts = courseScript(catalog);
    // Start from a cluster no earlier test file left objects of the labs in.
    const engine = new CheckEngine({
      catalog,
      cluster: new FileClusterAccess(sharedControlPlane().kubeconfigPath),
      containers: noContainers,
      commandLog: { read: async () => [], subscribe: () => () => undefined },
      events: new EventHub(),
      onResult: () => undefined,
    });
    await resetCluster(createCheckHandlers(engine), catalog, sharedControlPlane().kubeConfig());
    await engine.dispose();
    // One mirror for the whole file: each run changes the cluster, and the mirror follows it (live-mirror.ts).
    mirror = await LiveMirror.start(dockerCheck!.docker, sharedControlPlane().kubeConfig(), { envName: `labdeck-mirror-${uniqueSuffix()}` });
  });

  afterAll(async () => {
    if (mirror) {
      console.info(`[scripted-attendee] mirror: ${mirror.stats.syncs} syncs, ${mirror.stats.applied} changed the harness (${(mirror.stats.applyMs / 1000).toFixed(1)} s)`);
      await mirror.stop();
    }
    for (const result of [complete, skipping, wrong]) if (result) await rm(result.dataDir, { recursive: true, force: true });
  });

  it('types something real for every step of 1.1-1.9', () => {
    expect(scripts.map((script) => `${script.labId}/${script.stepId}`)).toEqual(catalog.labs().flatMap((lab) => lab.file.steps.map((step) => `${lab.file.id}/${step.id}`)));
    const empty = scripts.filter((script) => script.lines.length === 0).map((script) => `${script.labId}/${script.stepId}`);
    expect(empty).toEqual([]);
    // 1.9 from-laptop is done on the laptop: the solution's curl, typed in the host shell tab.
    expect(scripts.find((script) => script.stepId === 'from-laptop')?.lines.map((line) => line.terminal)).toEqual(['host']);
  });

  it(
    'completes every step of every lab, in order, from commands typed in the jumphost and node terminals',
    async () => {
      complete = await attend(catalog, scripts, mirror!, { snapshot: true });
      expect(complete.dataplane.missing, 'data-plane commands the mirror could not run').toEqual([]);
      expect(complete.open.map(({ labId, stepId }) => ({ labId, stepId })), JSON.stringify(complete.open, null, 2)).toEqual(
        EXPECTED_TO_FAIL.map(({ labId, stepId }) => ({ labId, stepId })),
      );

      // Real exit codes: kubectl's own (1 for the refused NodePort, 0 elsewhere) and the harness's (busybox
      // nslookup's 1 for names it finds only through the search list).
      const exit = (command: string) => complete!.typed.find((typed) => withoutComment(typed.command) === command)?.exitCode;
      expect(exit('kubectl create service nodeport range-test --tcp=80:80 --node-port=29999')).toBe(1);
      expect(exit('kubectl get nodes -o wide')).toBe(0);
      expect(exit('kubectl exec -it alpine -- nslookup kube-dns.kube-system')).toBe(1);
      expect(exit('kubectl exec -it alpine -- nslookup kube-dns.kube-system.svc.cluster.local')).toBe(0);
      // $(kubectl get ... -o jsonpath) and $POD_IP expanded by the real shell to the live addresses.
      expect(complete.dataplane.asked.filter((asked) => asked.startsWith('curl http://10.244.')).length).toBeGreaterThan(0);

      // The laptop's curl reached nginx through the published port and the mirror's NodePort rules.
      expect(complete.typed.find((typed) => typed.terminal === 'host')).toMatchObject({ exitCode: 0, output: expect.stringContaining('Welcome to nginx') });

      // Every probe and HTTP check of the course ran in the mirror, none from a recording.
      const probeChecks = catalog.labs().flatMap((lab) => lab.steps.flatMap((step) => step.spec.checks.filter((check) => check.kind === 'probe' || check.kind === 'http').map((check) => `${lab.file.id}/${step.spec.id}/${check.id}`)));
      expect(probeChecks.filter((at) => !complete!.probes.some((run) => run.at === at))).toEqual([]);
      // k3s runs the API server with anonymous auth off: the real one answers 401 to 1.1's anonymous curl.
      expect(complete.probes.find((run) => run.at === '1.1/kubeconfig/api-server-answers')?.output).toBe('401');
      // Node terminals: the real ip route of the mirrored worker1, with host-gw routes to the live pod ranges.
      const ipRoute = complete.typed.find((typed) => typed.terminal === 'worker1' && withoutComment(typed.command) === 'ip route');
      const master1 = mirror!.world.nodes.find((node) => node.name === 'master1')!;
      expect(ipRoute?.output).toContain(`${master1.podCidr} via ${master1.ip}`);
      // 1.9 source NAT, from nginx's real access log: the client of the NodePort request on master1 is master1
      // (its lab address, or its cni0 address when nginx runs on master1 itself), never the jumphost 10.1.1.5.
      const logs = complete.dataplane.answered.filter((answered) => answered.argv === 'kubectl logs nginx --tail=5').at(-1);
      const client = logs?.output.trim().split('\n').at(-1)?.split(' ')[0];
      expect([master1.ip, podGateway(master1.podCidr)], logs?.output).toContain(client);

      // The journal: every step opened, then completed, in course order.
      const entries = await readJournal(complete.journal);
      const opened = entries.filter((entry) => entry.type === 'step-opened').map((entry) => `${entry.labId}/${entry.stepId}`);
      expect(opened).toEqual(scripts.map((script) => `${script.labId}/${script.stepId}`));
      const firstPass = new Map<string, number>();
      for (const entry of entries) if (entry.type === 'check-passed' && entry.stepId) firstPass.set(`${entry.labId}/${entry.stepId}`, Math.min(firstPass.get(`${entry.labId}/${entry.stepId}`) ?? Infinity, entry.seq));
      const openedSeq = new Map(entries.filter((entry) => entry.type === 'step-opened').map((entry) => [`${entry.labId}/${entry.stepId}`, entry.seq]));
      for (const [step, seq] of firstPass) expect(seq, `${step} passed a check before it was opened`).toBeGreaterThan(openedSeq.get(step) ?? Infinity);
    },
    300_000,
  );

  it('labdeck grade --journal on that run reports all nine labs complete, each check with its evidence', async () => {
    expect(complete, 'the complete run').toBeDefined();
    const { exitCode, report } = await labdeckGrade({ journal: complete!.journal });
    const expectedOpen = new Set(EXPECTED_TO_FAIL.map(({ labId, stepId }) => `${labId}/${stepId}`));
    expect(report.journal.map((lab) => lab.lab)).toEqual(['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9']);
    expect(exitCode).toBe(expectedOpen.size === 0 ? 0 : 1);
    for (const lab of report.journal) {
      for (const step of lab.steps) {
        if (expectedOpen.has(`${lab.lab}/${step.id}`)) continue;
        expect(step.status, `${lab.lab}/${step.id}`).toBe('complete');
        for (const check of step.checks.filter((graded) => graded.status !== 'context')) {
          expect(check.status, `${lab.lab}/${step.id}/${check.id}`).toBe('passed');
          expect(check.evidence, `${lab.lab}/${step.id}/${check.id} has evidence`).toBeDefined();
          // The order "opened, then passed" is asserted on the journal's sequence numbers in the test above:
          // the journal stamps an opening when it writes it, so a check judged right at the opening can carry
          // a time a few milliseconds before it (reported with this test).
          expect(check.passedAt, `${lab.lab}/${step.id}/${check.id} has a pass time`).toBeDefined();
        }
      }
    }
    // Command evidence is the line the attendee typed, with its real exit code.
    const refused = report.journal.find((lab) => lab.lab === '1.9')?.steps.find((step) => step.id === 'port-range')?.checks.find((check) => check.id === 'refused-outside-range');
    expect(JSON.stringify(refused?.evidence)).toContain('--node-port=29999');
    expect(JSON.stringify(refused?.evidence)).toMatch(/"exitCode":1/);
  });

  it("a snapshot of that run's end state is reported beside the journal grade, skipping what a snapshot cannot see", async () => {
    expect(complete?.snapshot, 'the snapshot of the complete run').toBeDefined();
    const { exitCode, report } = await labdeckGrade({ journal: complete!.journal, snapshot: complete!.snapshot! });
    const holdsNow = report.holdsNow?.labs ?? [];
    expect(holdsNow.map((lab) => lab.lab)).toEqual(report.journal.map((lab) => lab.lab));
    const checks = holdsNow.flatMap((lab) => lab.steps.flatMap((step) => step.checks.map((check) => ({ at: `${lab.lab}/${step.id}/${check.id}`, ...check }))));
    // Commands, probes and HTTP are not in a snapshot: skipped, never passed.
    const unseen = checks.filter((check) => check.kind !== 'resource');
    expect(unseen.length).toBeGreaterThan(0);
    expect(unseen.filter((check) => check.status !== 'skipped').map((check) => `${check.at}: ${check.status}`)).toEqual([]);
    // The recommended kubectl get captured every kind the checks select: no resource check is skipped.
    expect(checks.filter((check) => check.kind === 'resource' && check.status === 'skipped').map((check) => check.at)).toEqual([]);
    // Later labs undo earlier end states (1.5 brings back the pod nginx that 1.2 deleted): the end state fails
    // steps the journal credits, and the grade still comes from the journal.
    expect(checks.find((check) => check.at === '1.2/delete-yaml-pod/nginx-gone')?.status).toBe('failed');
    expect(exitCode).toBe(EXPECTED_TO_FAIL.length === 0 ? 0 : 1);
  });

  it(
    'an attendee whose Service nginx forwards to targetPort 8080 leaves 1.5 open: curl through the Service really fails in the mirror',
    async () => {
      let edited = false;
      const editFile = (name: string, content: string) => {
        if (name !== 'nginx-service.yaml') return content;
        const changed = content.replace(/^(\s*)nodePort: 30080\n/m, '$1nodePort: 30080\n$1targetPort: 8080\n');
        edited = changed !== content;
        return changed;
      };
      const lab = scripts.filter((script) => script.labId === '1.5');
      wrong = await attend(catalog, lab, mirror!, { editFile, stepTimeoutMs: 25_000, runLabel: 'wrong-target-port' });
      expect(edited, 'nginx-service.yaml no longer has the line this wrong world changes').toBe(true);
      expect(wrong.dataplane.missing).toEqual([]);
      expect(wrong.open.map(({ labId, stepId }) => `${labId}/${stepId}`), JSON.stringify(wrong.open, null, 2)).toEqual(['1.5/pod-and-service', '1.5/curl-from-jumphost']);
      // curl-from-jumphost has no check of the Service's fields: only the traffic through it, run for real in
      // the mirror, keeps it open.
      expect(wrong.open.find((step) => step.stepId === 'curl-from-jumphost')?.notPassed.map((line) => line.split(':')[0])).toEqual(['service-answers']);
      expect(wrong.open.find((step) => step.stepId === 'pod-and-service')?.notPassed.map((line) => line.split(':')[0])).toContain('traffic-reaches-nginx');
      const runs = (at: string) => wrong!.probes.filter((run) => run.at === `1.5/${at}`);
      // The pod answers on its own address, so nginx is up; the Service's DNAT to port 8080 is refused.
      expect(runs('curl-from-jumphost/pod-answers').at(-1)).toMatchObject({ exitCode: 0, output: '200' });
      expect(runs('curl-from-jumphost/service-answers').length).toBeGreaterThan(0);
      expect(runs('curl-from-jumphost/service-answers').filter((run) => run.exitCode === 0)).toEqual([]);
      expect(runs('pod-and-service/traffic-reaches-nginx').length).toBeGreaterThan(0);
      expect(runs('pod-and-service/traffic-reaches-nginx').filter((run) => run.exitCode === 0 || run.output.includes('Welcome to nginx'))).toEqual([]);
      // The attendee's own curls: the pod answers, the ClusterIP and the NodePort do not.
      const typedExit = (command: string) => wrong!.typed.find((typed) => typed.command === command)?.exitCode;
      expect(typedExit('curl http://$POD_IP')).toBe(0);
      expect(typedExit('curl http://$CLUSTER_IP')).not.toBe(0);
      expect(typedExit('curl http://10.1.1.7:30080')).not.toBe(0);
    },
    300_000,
  );

  it(
    `the same attendee skipping ${SKIPPED.labId} ${SKIPPED.stepId} leaves exactly that step open`,
    async () => {
      skipping = await attend(catalog, scripts, mirror!, { skip: SKIPPED });
      const expectedOpen = [...EXPECTED_TO_FAIL.map(({ labId, stepId }) => ({ labId, stepId })), SKIPPED].sort((a, b) => `${a.labId}/${a.stepId}`.localeCompare(`${b.labId}/${b.stepId}`));
      expect(skipping.open.map(({ labId, stepId }) => ({ labId, stepId }))).toEqual(expectedOpen);
      const { exitCode, report } = await labdeckGrade({ journal: skipping.journal });
      expect(exitCode).toBe(1);
      const notComplete = report.journal.flatMap((lab) => lab.steps.filter((step) => step.status !== 'complete').map((step) => ({ labId: lab.lab, stepId: step.id, status: step.status })));
      expect(notComplete).toEqual(expectedOpen.map((step) => ({ ...step, status: 'incomplete' })));
    },
    300_000,
  );
});
