import path from 'node:path';
import type { CallHandlers } from '../../common/api/contract.ts';
import { createAppHandlers } from './app-handlers.ts';
import { Dispatcher } from './dispatcher.ts';
import { EventHub } from './events.ts';
import { FileClusterAccess } from '../env/cluster-access.ts';
import { LabCommandLog } from '../env/command-log.ts';
import { EnvironmentService } from '../env/environment-service.ts';
import { courseHomeFiles } from '../env/jumphost-home.ts';
import type { EnvConfigInput } from '../env/config.ts';
import { createEnvHandlers } from '../env/env-handlers.ts';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { createCatalogHandlers } from '../labs/catalog-handlers.ts';
import { CheckEngine } from '../checks/check-engine.ts';
import { createCheckHandlers } from '../checks/check-handlers.ts';
import { ProgressStore } from '../progress/progress-store.ts';
import { openDataFolder } from '../progress/open-data-folder.ts';
import { courseVersion } from '../course-format/lab-schema.ts';
import { createProgressHandlers } from '../progress/progress-handlers.ts';
import { ClusterService } from '../cluster/cluster-service.ts';
import { dockerShellChannel } from '../cluster/packet-path/docker-reader-shell.ts';
import { createClusterHandlers } from '../cluster/cluster-handlers.ts';
import { TerminalService } from '../terminals/terminal-service.ts';
import { createTerminalHandlers } from '../terminals/terminal-handlers.ts';
import { createReportHandlers } from '../reports/report-handlers.ts';
import { folderCourseTrust, type CourseTrust } from '../course-pack/course-trust.ts';
import { LabdeckError } from '../../common/errors.ts';

export interface BackendOptions {
  shell: 'electron' | 'browser';
  /** Folder holding labs/<id>-<slug>/lab.yaml. */
  labsDir: string;
  /** Where progress, kubeconfigs and logs are kept (per user). */
  dataDir: string;
  /** Use this kubeconfig instead of the Labdeck environment's cluster (remote clusters, tests). */
  kubeconfigOverride?: string;
  /** Environment settings (labdeck.yaml / --config, --bundle); defaults otherwise. */
  envConfig?: EnvConfigInput;
  /** How the shell opens allow-listed links in the system browser (Electron only). */
  openExternal?: (url: string) => Promise<void>;
  /** How the course was opened; without it, the labs folder is reported as trusted like code. */
  courseTrust?: CourseTrust;
  /**
   * The event hub to emit on. The course switcher (course-backend.ts) keeps one hub across the backends it
   * builds, so the transports subscribed to it keep delivering after a course switch.
   */
  events?: EventHub;
}

export interface Backend {
  handlers: CallHandlers;
  dispatcher: Dispatcher;
  events: EventHub;
  dispose(): Promise<void>;
}

const notHere = (call: string) => async (): Promise<never> => {
  throw new LabdeckError('internal', `${call} is served by the course switcher, which this backend was built without.`, {
    action: 'Start Labdeck with `labdeck serve` or the app window; tests that need it build the backend with createCourseBackend.',
  });
};

const unservedHandlers: Pick<CallHandlers, CourseSwitcherCall> = {
  'course.pick': notHere('course.pick'),
  'course.uploadBegin': notHere('course.uploadBegin'),
  'course.uploadChunk': notHere('course.uploadChunk'),
  'course.inspect': notHere('course.inspect'),
  'course.open': notHere('course.open'),
  'classroom.watch': notHere('classroom.watch'),
  'classroom.unwatch': notHere('classroom.unwatch'),
  'classroom.pickFolder': notHere('classroom.pickFolder'),
  'classroom.grade': notHere('classroom.grade'),
};

/** Calls about which course is open and the class view: not bound to one course's services. */
export type CourseSwitcherCall = 'course.pick' | 'course.uploadBegin' | 'course.uploadChunk' | 'course.inspect' | 'course.open' | 'classroom.watch' | 'classroom.unwatch' | 'classroom.pickFolder' | 'classroom.grade';
export const courseSwitcherCalls: readonly CourseSwitcherCall[] = Object.keys(unservedHandlers) as CourseSwitcherCall[];

let rejectionsKept = false;

/**
 * A backend is a long-running process (the Electron main process, `labdeck serve`): a promise rejected with
 * nobody listening must be logged, not end it and every attendee's session with it. Installed once per process.
 */
export function keepRunningOnUnhandledRejections(log: (message: string) => void = (message) => console.error(message)): void {
  if (rejectionsKept) return;
  rejectionsKept = true;
  process.on('unhandledRejection', (reason) => {
    log(`labdeck: a background task failed and was ignored: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
}

/** Builds every backend service once and wires them together; both shells and the CLI call this. */
export async function createBackend(options: BackendOptions): Promise<Backend> {
  // Under vitest its own handler still sees every such rejection and fails the test (e2e/support/fail-on-unhandled.ts).
  keepRunningOnUnhandledRejections();
  const events = options.events ?? new EventHub();
  const catalog = await LabCatalog.load(options.labsDir);
  const environment = new EnvironmentService({
    events,
    dataDir: options.dataDir,
    ...(options.envConfig ? { config: options.envConfig } : {}),
    // The lab texts say "`kubectl apply -f X.yaml` on the jumphost": the course's manifests go into its home.
    homeFiles: () => courseHomeFiles(catalog.labs()),
  });
  const cluster = options.kubeconfigOverride ? new FileClusterAccess(path.resolve(options.kubeconfigOverride)) : environment.clusterAccess;
  // A course just opened (or the app started) next to a running jumphost: its manifests are there at once.
  void environment.syncJumphostHome().catch(() => undefined);
  // One journal shared by progress (openings, hints, solutions) and the engine (passes): one chain, one order.
  // The data folder's lock first (one Labdeck per folder), then the journal, signed and bound to the cluster.
  const dataFolder = await openDataFolder({ dataDir: options.dataDir, courseId: catalog.courseId, courseVersion: courseVersion(catalog.course), cluster });
  const journal = dataFolder.journal;
  const progress = await ProgressStore.open({ file: path.join(options.dataDir, 'progress.json'), catalog, events, journal, beforeWrite: dataFolder.beforeWrite });
  // Commands typed on the jumphost and in node terminals, in one record for the command checks.
  // With Labdeck's own cluster, each kubectl line must also appear in master1's API audit log to count.
  const commandLog = new LabCommandLog(options.kubeconfigOverride ? undefined : environment.auditWitness, async () => (await environment.containers.containerFor({ kind: 'jumphost' })) !== null);
  const checks = new CheckEngine({
    catalog,
    cluster,
    containers: environment.containers,
    commandLog,
    events,
    onResult: (result) => progress.observe(result),
    journal,
    progressStartedAt: (labId) => progress.get().labs[labId]?.startedAt,
  });
  // The packet tracer reads the nodes through one shell per node kept open while tracing (README, network map).
  const clusterService = new ClusterService({ cluster, events, containers: environment.containers, commandLog, readerShell: dockerShellChannel(environment.docker) });
  const terminals = new TerminalService({
    containers: environment.containers,
    cluster,
    events,
    recordCommand: (record) => commandLog.record(record),
    // Open terminals and their screens, so they come back after a crash or restart.
    stateFile: path.join(options.dataDir, 'terminals.json'),
  });

  const handlers: CallHandlers = {
    ...createAppHandlers({
      shell: options.shell,
      catalog,
      courseTrust: options.courseTrust ?? folderCourseTrust(options.labsDir),
      ...(options.kubeconfigOverride ? { externalKubeconfig: path.resolve(options.kubeconfigOverride) } : {}),
      ...(options.openExternal ? { openExternal: options.openExternal } : {}),
      // Lab 1.9 opens the NodePort the environment publishes on this machine (external-links.ts).
      nodePorts: async () => {
        const status = await environment.status().catch(() => null);
        return { requested: environment.config.nodePorts, ...(status?.nodePort ? { published: [status.nodePort.published] } : {}) };
      },
      publishedPort: (nodePort) => environment.containers.publishedPort(nodePort),
      // Opening a lab NodePort in the browser is the attendee's action, evidence for lab 1.9's "from your laptop".
      recordCommand: (record) => commandLog.record(record),
    }),
    ...createEnvHandlers(environment),
    ...createCatalogHandlers(catalog),
    ...createCheckHandlers(checks, (labId, stepId, openedAt) => progress.activate(labId, stepId, openedAt)),
    ...createProgressHandlers(progress, { onReset: (labId) => checks.forget(labId) }),
    ...createClusterHandlers(clusterService, (action) => commandLog.recordEditorAction(action)),
    ...createTerminalHandlers(terminals),
    ...createReportHandlers({ catalog, dataDir: options.dataDir, cluster }),
    // Opening another course and the class view outlive one course: course-backend.ts serves them.
    ...unservedHandlers,
  };

  return {
    handlers,
    // A browser tab gone for good takes its shells with it (issue 21 item 5).
    dispatcher: new Dispatcher(handlers, { onClientsGone: (clientIds) => terminals.release(clientIds) }),
    events,
    async dispose() {
      await terminals.dispose();
      await checks.dispose();
      await clusterService.dispose();
      await progress.flush();
      await environment.dispose();
      await dataFolder.release();
    },
  };
}
