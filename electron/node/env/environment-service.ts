import fs from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { EventSink } from '../../common/api/contract.ts';
import type { DoctorReport, EnvPhase, EnvProgress, EnvStatus } from '../../common/api/env.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ClusterAccess, LabContainers } from '../backend/ports.ts';
import { FileClusterAccess } from './cluster-access.ts';
import { ApiAuditLog } from './api-audit-log.ts';
import type { AuditWitness } from './command-log.ts';
import { resolveEnvConfig, serverNode, type EnvConfig, type EnvConfigInput } from './config.ts';
import { terminalSourceMatcher } from './terminal-sources.ts';
import { createDockerClient, dockerHostDescription } from './docker-client.ts';
import { runDoctor } from './doctor.ts';
import { writeDiagnostics } from './diagnostics.ts';
import {
  apiHost,
  downEnvironment,
  readEnvironmentStatus,
  reconfigureToolboxes,
  resumeEnvironment,
  upEnvironment,
  type OperationContext,
} from './environment-ops.ts';
import { HOST_CONTEXT_NAMES, userKubeconfigPath, writeMergedKubeconfig } from './kubeconfig.ts';
import { EngineWatch, type EngineWatchDocker } from './engine-watch.ts';
import { syncJumphostHome, type HomeFile } from './jumphost-home.ts';
import { DockerLabContainers, listLabContainers } from './lab-containers.ts';
import { labFilters, LABEL_ROLE } from './labels.ts';

type Operation = EnvProgress['operation'];

export interface EnvironmentServiceOptions {
  events: EventSink;
  /** Per-user data folder: the host kubeconfig of each environment lives below it. */
  dataDir: string;
  config?: EnvConfigInput;
  docker?: Docker;
  /** Pull missing images from a registry when online (never when the images are present). Default true. */
  allowPull?: boolean;
  timeouts?: OperationContext['timeouts'];
  /** The open course's manifests, copied into the attendee's home on the jumphost (jumphost-home.ts). */
  homeFiles?: () => readonly HomeFile[];
}

/**
 * The lab environment: a kubeadm cluster of node containers in Docker, its registry mirror, the jumphost and
 * the verifier. One operation at a time; progress goes out as env.progress events, state changes as
 * env.status events.
 */
export class EnvironmentService {
  readonly config: EnvConfig;
  readonly docker: Docker;
  readonly clusterAccess: ClusterAccess;
  readonly containers: LabContainers;

  readonly #events: EventSink;
  readonly #dataDir: string;
  readonly #fileAccess: FileClusterAccess;
  readonly #apiAudit: ApiAuditLog;
  /** master1's API server audit log: the witness of the attendee's kubectl requests (api-corroboration.ts). */
  readonly auditWitness: AuditWitness;
  readonly #allowPull: boolean;
  readonly #timeouts: OperationContext['timeouts'];
  readonly #homeFiles: (() => readonly HomeFile[]) | undefined;
  #operation: { kind: Operation; abort: AbortController } | null = null;
  #engine: EngineWatch | null = null;
  #disposed = false;

  constructor(options: EnvironmentServiceOptions) {
    const config = resolveEnvConfig(options.config ?? {});
    // With a remote engine the host kubeconfig names that machine, so the certificate must cover it too.
    const host = apiHost(config);
    if (host !== config.apiServer.hostIp && host !== '127.0.0.1' && !config.apiServer.extraTlsSans.includes(host)) {
      config.apiServer.extraTlsSans.push(host);
    }
    this.config = config;
    this.docker = options.docker ?? createDockerClient();
    this.#events = options.events;
    this.#dataDir = options.dataDir;
    this.#allowPull = options.allowPull ?? true;
    this.#timeouts = options.timeouts;
    this.#homeFiles = options.homeFiles;
    this.#fileAccess = new FileClusterAccess(path.join(options.dataDir, 'environments', this.config.name, 'kubeconfig.yaml'));
    this.clusterAccess = this.#fileAccess;
    const containers = new DockerLabContainers(this.docker, this.config.name);
    this.containers = containers;
    this.#apiAudit = new ApiAuditLog(this.docker, () => containers.containerFor({ kind: 'node', node: serverNode(this.config).name }));
    this.auditWitness = { source: this.#apiAudit, sentFrom: terminalSourceMatcher(this.config) };
  }

  get dataDir(): string {
    return this.#dataDir;
  }

  status(): Promise<EnvStatus> {
    return readEnvironmentStatus(this.docker, this.config, this.#fileAccess).then((status) => this.#withTopology(status));
  }

  #withTopology(status: EnvStatus): EnvStatus {
    if (status.topology) return status;
    const topology = [...this.config.nodes.map(({ name, role }) => ({ name, role })), { name: this.config.jumphost.name, role: 'jumphost' as const }];
    return { ...status, topology };
  }

  up(): Promise<EnvStatus> {
    return this.#run('up', (ctx) => upEnvironment(ctx));
  }

  resume(): Promise<EnvStatus> {
    return this.#run('resume', async (ctx) => {
      const found = await resumeEnvironment(ctx);
      if (!found) {
        throw new LabdeckError('not-found', 'No lab environment exists on this Docker engine.', { action: 'Run `labdeck env up` to create one.' });
      }
    });
  }

  reset(): Promise<EnvStatus> {
    return this.#run('reset', async (ctx) => {
      await downEnvironment(ctx);
      await upEnvironment(ctx);
    });
  }

  down(): Promise<EnvStatus> {
    return this.#run('down', async (ctx) => {
      await downEnvironment(ctx);
    });
  }

  /** Cancels the running operation; what was created stays (up continues it, down removes it). */
  cancel(): boolean {
    if (!this.#operation) return false;
    this.#operation.abort.abort();
    return true;
  }

  /** `where`: whose advice the findings carry, the app's (buttons, the default) or the command line's. */
  doctor(where: 'app' | 'cli' = 'app'): Promise<DoctorReport> {
    return runDoctor(this.docker, this.config, { where });
  }

  async diagnostics(file: string): Promise<{ file: string; entries: string[] }> {
    const status = await this.status().catch((error: unknown) => ({ error: String(error) }));
    const doctor = await this.doctor().catch((error: unknown) => ({ error: String(error) }));
    const entries = await writeDiagnostics(this.docker, this.config, file, { status, doctor });
    return { file, entries };
  }

  /** Writes the `labdeck` context into the user's kubeconfig (merge) or a standalone file in the data folder. */
  async writeKubeconfig(merge: boolean, target?: string): Promise<{ path: string; context: string }> {
    const text = await this.#hostKubeconfigText();
    const file = target ?? (merge ? userKubeconfigPath() : path.join(this.#dataDir, 'labdeck-kubeconfig.yaml'));
    await writeMergedKubeconfig(file, text);
    return { path: file, context: HOST_CONTEXT_NAMES.context };
  }

  /**
   * Follows the Docker engine from now on: when it stops (or the socket to it breaks) every window gets an
   * env.status saying Docker does not answer within moments, and a fresh status once it is back. Also
   * re-adds routes whenever Docker (re)starts the jumphost or verifier, e.g. after the laptop rebooted.
   */
  watchEngine(): void {
    if (this.#engine || this.#disposed) return;
    this.#engine = new EngineWatch(this.docker as unknown as EngineWatchDocker, {
      filters: { type: ['container'], event: ['start'], label: labFilters(this.config.name).label },
      onChange: (available) => {
        // An operation reports its own outcome; a lost engine is news even then.
        if (available && this.#operation) return;
        void this.status()
          .then((status) => this.#emitStatus(status))
          .catch(() => undefined);
      },
      onEvent: (event) => {
        const role = (event as { Actor?: { Attributes?: Record<string, string> } } | null)?.Actor?.Attributes?.[LABEL_ROLE];
        if (role === 'jumphost' || role === 'verifier') void this.#afterToolboxStart();
      },
    });
    this.#engine.start();
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#operation?.abort.abort();
    this.#engine?.dispose();
    this.#engine = null;
    this.#apiAudit.dispose();
  }

  /**
   * Copies the course's manifests into /home/ubuntu on the running jumphost, so the lab texts' `kubectl apply
   * -f X.yaml` works as typed there. Runs after every environment operation that starts the jumphost, whenever
   * Docker restarts it, and when a course is opened (create-backend.ts). Files the attendee edited stay; each
   * such file gets one log line.
   */
  async syncJumphostHome(report?: (line: string) => void): Promise<void> {
    const files = this.#homeFiles?.() ?? [];
    if (files.length === 0) return;
    const [jumphost] = await listLabContainers(this.docker, this.config.name, 'jumphost');
    if (!jumphost || jumphost.state !== 'running') return;
    await syncJumphostHome(this.docker, jumphost.id, files, (line) => {
      console.warn(`[labdeck] ${line}`);
      report?.(line);
    });
  }

  async #hostKubeconfigText(): Promise<string> {
    const kubeconfigPath = await this.#fileAccess.kubeconfigPath();
    if (!kubeconfigPath) {
      throw new LabdeckError('environment-not-ready', 'The lab cluster is not running, so there is no kubeconfig yet.', { action: 'Run `labdeck env up` first.' });
    }
    return fs.readFile(kubeconfigPath, 'utf8');
  }

  async #run(kind: Operation, body: (ctx: OperationContext) => Promise<void>): Promise<EnvStatus> {
    if (this.#operation) {
      throw new LabdeckError('conflict', `The environment is busy (${this.#operation.kind}).`, { action: 'Wait for it to finish or cancel it first.' });
    }
    const abort = new AbortController();
    this.#operation = { kind, abort };
    const ctx = this.#context(kind, abort.signal);
    this.#emitStatus({ state: kind === 'down' ? 'deleting' : 'creating', nodes: [], dockerHost: dockerHostDescription() });
    try {
      await body(ctx);
      if (kind !== 'down') {
        await this.syncJumphostHome((line) => ctx.report('jumphost', 100, line, { log: line })).catch((error: unknown) =>
          ctx.report('jumphost', 100, 'The lab manifests could not be copied to the jumphost; use Apply in the editor', { log: String(error) }),
        );
      }
    } catch (error) {
      const status = await this.status().catch(() => null);
      if (status) this.#emitStatus(status);
      throw error;
    } finally {
      this.#operation = null;
    }
    const status = await this.status();
    this.#emitStatus(status);
    if (status.state !== 'absent') this.watchEngine();
    await this.#apiAudit.reattach().catch(() => undefined);
    return status;
  }

  #context(kind: Operation, signal: AbortSignal): OperationContext {
    return {
      docker: this.docker,
      config: this.config,
      dataDir: this.#dataDir,
      signal,
      clusterAccess: this.#fileAccess,
      allowPull: this.#allowPull,
      ...(this.#timeouts ? { timeouts: this.#timeouts } : {}),
      report: (phase: EnvPhase, percent: number, message: string, extra?: { node?: string; log?: string }) => {
        this.#events.emit('env.progress', {
          operation: kind,
          phase,
          percent: Math.round(Math.max(0, Math.min(100, percent))),
          message,
          ...(extra?.node ? { node: extra.node } : {}),
          ...(extra?.log ? { log: extra.log } : {}),
          at: new Date().toISOString(),
        });
      },
    };
  }

  #emitStatus(status: EnvStatus): void {
    if (!this.#disposed) this.#events.emit('env.status', this.#withTopology(status));
  }

  async #afterToolboxStart(): Promise<void> {
    if (this.#operation) return;
    const ctx = this.#context('resume', new AbortController().signal);
    await reconfigureToolboxes(ctx).catch(() => undefined);
    await this.syncJumphostHome().catch((error: unknown) => console.warn(`[labdeck] copying the lab manifests to the jumphost failed: ${String(error)}`));
    await this.#apiAudit.reattach().catch(() => undefined);
  }
}
