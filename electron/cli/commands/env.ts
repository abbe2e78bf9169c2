import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { EventName, EventPayload, EventSink } from '../../common/api/contract.ts';
import type { EnvProgress, EnvStatus } from '../../common/api/env.ts';
import { LabdeckError } from '../../common/errors.ts';
import { bundleRequest, missingImagesReport, verifyBundle, writeBundle, type BundleResult } from '../../node/env/bundle-writer.ts';
import { resolveEnvConfig, type EnvConfigInput } from '../../node/env/config.ts';
import { createDockerClient } from '../../node/env/docker-client.ts';
import { EnvironmentService } from '../../node/env/environment-service.ts';
import { resolvePlanInputs } from '../../node/env/environment-ops.ts';
import { planEnvironment } from '../../node/env/plan.ts';
import { startStandaloneJumphost } from '../../node/env/standalone-jumphost.ts';
import { defaultDataDir } from '../../node/data-dir.ts';

/** Stands in for kubeadm's bootstrap token in a dry run; `up` generates a real one (kubeadm-config.ts). */
export const DRY_RUN_TOKEN = '<generated-at-up>';

interface CommonOptions {
  config?: string;
  bundle?: string;
  dataDir?: string;
  json?: boolean;
}

export async function loadConfigInput(options: CommonOptions): Promise<EnvConfigInput> {
  const input: EnvConfigInput = options.config ? ((parse(await fs.readFile(options.config, 'utf8')) as EnvConfigInput | null) ?? {}) : {};
  if (options.bundle) input.bundleDir = path.resolve(options.bundle);
  return input;
}

/** Progress for people: one bar per phase on a TTY, plain lines otherwise. Always on stderr. */
class ProgressPrinter implements EventSink {
  readonly #tty = Boolean(process.stderr.isTTY);
  #lastPhase: string | null = null;

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    if (name !== 'env.progress') return;
    const progress = payload as EnvProgress;
    if (this.#tty) {
      const width = 24;
      const filled = Math.round((progress.percent / 100) * width);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
      const text = `${progress.phase.padEnd(9)} ${bar} ${String(progress.percent).padStart(3)}% ${progress.node ? `${progress.node}: ` : ''}${progress.message}`;
      if (this.#lastPhase !== null && this.#lastPhase !== progress.phase) process.stderr.write('\n');
      process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns ?? 120) - 1)}`);
      this.#lastPhase = progress.phase;
      if (progress.phase === 'done') process.stderr.write('\n');
    } else {
      process.stderr.write(`[${progress.phase} ${progress.percent}%] ${progress.node ? `${progress.node}: ` : ''}${progress.message}${progress.log ? ` | ${progress.log}` : ''}\n`);
    }
  }
}

function printStatus(status: EnvStatus, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  process.stdout.write(`Environment: ${status.state} (Docker: ${status.dockerHost})\n`);
  for (const node of status.nodes) {
    process.stdout.write(`  ${node.name.padEnd(10)} ${node.role.padEnd(9)} ${node.containerState.padEnd(8)} ${(node.ip ?? '').padEnd(12)} ${(node.podCIDR ?? '').padEnd(16)} ${node.ready ? 'Ready' : 'not ready'}\n`);
  }
  if (status.apiServer) process.stdout.write(`API server: https://${status.apiServer.host}:${status.apiServer.port}\n`);
  if (status.nodePort) process.stdout.write(`NodePort ${status.nodePort.requested} on host port ${status.nodePort.published}\n`);
  if (status.message) process.stdout.write(`${status.message}\n`);
  if (status.action) process.stdout.write(`Next: ${status.action}\n`);
}

async function withService<T>(options: CommonOptions, body: (service: EnvironmentService) => Promise<T>, extra: { allowPull?: boolean } = {}): Promise<T> {
  const service = new EnvironmentService({
    events: options.json ? { emit: () => undefined } : new ProgressPrinter(),
    dataDir: options.dataDir ?? defaultDataDir(),
    config: await loadConfigInput(options),
    ...(extra.allowPull === undefined ? {} : { allowPull: extra.allowPull }),
  });
  const onSignal = () => service.cancel();
  process.once('SIGINT', onSignal);
  try {
    return await body(service);
  } finally {
    process.off('SIGINT', onSignal);
    await service.dispose();
  }
}

function reportError(error: unknown, json: boolean | undefined): void {
  const labdeck = error instanceof LabdeckError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: labdeck?.code ?? 'internal', message, action: labdeck?.action } }, null, 2)}\n`);
  else process.stderr.write(`\nError: ${message}\n${labdeck?.action ? `Next: ${labdeck.action}\n` : ''}`);
  process.exitCode = 1;
}

function common(command: Command): Command {
  return command
    .option('--config <file>', 'environment settings (YAML or JSON): addresses, proxy, CA, images')
    .option('--bundle <dir>', 'offline course bundle folder (images/ and bundle.json)')
    .option('--data-dir <dir>', 'Labdeck data folder (default: the per-user one, or LABDECK_DATA_DIR)')
    .option('--json', 'print JSON on stdout');
}

/** `labdeck env ...`: the lab cluster from the command line, with the same service the app uses. */
export function registerEnvCommand(program: Command): void {
  const env = program.command('env').description('Create, inspect and remove the lab cluster (kubeadm nodes in Docker)');

  common(env.command('up'))
    .description('Create the cluster (or start and reattach to the existing one)')
    .option('--course <pack>', 'the signed course pack (.labdeck) from your instructor: verified, its publisher trusted once, its images used offline')
    .option('--dry-run', 'print the Docker requests without touching Docker')
    .option('--no-pull', 'never pull from a registry; use present images and the bundle only')
    .option('--jumphost-only', 'start only a jumphost on the lab network (no cluster)')
    .action(async (options: CommonOptions & { course?: string; dryRun?: boolean; pull: boolean; jumphostOnly?: boolean }) => {
      try {
        if (options.course) options.bundle ??= await packBundle(options.course, options.dataDir ?? defaultDataDir());
        if (options.dryRun) {
          const config = resolveEnvConfig(await loadConfigInput(options));
          const inputs = await resolvePlanInputs(null, config);
          // The bootstrap token is generated at `up`, and the node privilege decided there by asking the
          // engine (privilege.ts); a placeholder token keeps dry runs comparable.
          const plan = planEnvironment(config, { ...inputs, token: DRY_RUN_TOKEN });
          process.stdout.write(`${JSON.stringify(options.json ? plan : summarizePlan(plan), null, 2)}\n`);
          return;
        }
        if (options.jumphostOnly) {
          const config = resolveEnvConfig(await loadConfigInput(options));
          // The network's addresses come from --config like the full cluster's (they were left out, so a
          // jumphost-only environment always took 10.1.1.0/24 whatever the config said).
          const started = await startStandaloneJumphost(createDockerClient(), {
            envName: config.name,
            name: config.jumphost.name,
            network: config.network.name,
            subnet: config.network.subnet,
            gateway: config.network.gateway,
            ipRange: config.network.ipRange,
            masquerade: config.network.masquerade,
            ip: config.jumphost.ip,
            image: config.jumphost.image,
          });
          const result = { containerId: started.containerId, networkId: started.networkId };
          process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `Jumphost ${config.jumphost.name} started (${started.containerId.slice(0, 12)}); remove it with \`labdeck env down\`.\n`);
          return;
        }
        const status = await withService(options, (service) => service.up(), { allowPull: options.pull });
        printStatus(status, options.json);
      } catch (error) {
        reportError(error, options.json);
      }
    });

  env
    .command('bundle')
    .description('Write the offline course bundle (images/, bundle.json) from the images on this engine')
    .requiredOption('--out <dir>', 'bundle folder to create or bring up to date')
    .option('--config <file>', 'environment settings (YAML or JSON): the node, jumphost, registry and workload images')
    .option('--pull', 'pull images the engine lacks first (needs the registry)')
    .option('--verify', 'only re-check the files against <dir>/bundle.json (sizes and sha256); exit 1 on a mismatch')
    .option('--json', 'print the manifest (bundle.json) on stdout')
    .action(async (options: { out: string; config?: string; pull?: boolean; verify?: boolean; json?: boolean }) => {
      const dir = path.resolve(options.out);
      const onLog = (line: string) => process.stderr.write(`[bundle] ${line}\n`);
      try {
        if (options.verify) {
          const problems = await verifyBundle(dir, onLog);
          if (options.json) process.stdout.write(`${JSON.stringify({ dir, ok: problems.length === 0, problems }, null, 2)}\n`);
          else process.stdout.write(problems.length === 0 ? `Bundle ${dir} matches its bundle.json\n` : `${problems.map((line) => `BAD  ${line}`).join('\n')}\n`);
          if (problems.length > 0) process.exitCode = 1;
          return;
        }
        // Only the image settings matter here; a bundle folder in the config is not where we write.
        const config = resolveEnvConfig(await loadConfigInput({ ...(options.config ? { config: options.config } : {}) }));
        const result = await writeBundle(createDockerClient(), dir, bundleRequest(config), {
          labdeckVersion: labdeckVersion(),
          kubernetesVersion: config.kubernetes.version,
          pull: Boolean(options.pull),
          onLog,
        });
        const rerun = ['labdeck env bundle --out', shellQuote(options.out), ...(options.config ? ['--config', shellQuote(options.config)] : [])].join(' ');
        const report = missingImagesReport(result.missing, { rerun });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result.manifest, null, 2)}\n`);
          if (report) process.stderr.write(report);
        } else {
          process.stdout.write(summarizeBundle(result));
          if (report) process.stdout.write(`\n${report}`);
        }
        if (result.missing.length > 0) process.exitCode = 1;
      } catch (error) {
        reportError(error, options.json);
      }
    });

  common(env.command('status'))
    .description('Show containers, nodes, addresses and published ports')
    .action(async (options: CommonOptions) => {
      try {
        printStatus(await withService(options, (service) => service.status()), options.json);
      } catch (error) {
        reportError(error, options.json);
      }
    });

  common(env.command('down'))
    .description('Remove every container, network and volume Labdeck created (nothing else)')
    .action(async (options: CommonOptions) => {
      try {
        printStatus(await withService(options, (service) => service.down()), options.json);
      } catch (error) {
        reportError(error, options.json);
      }
    });

  common(env.command('reset'))
    .description('Replace the cluster with a fresh one (images are kept)')
    .action(async (options: CommonOptions) => {
      try {
        printStatus(await withService(options, (service) => service.reset()), options.json);
      } catch (error) {
        reportError(error, options.json);
      }
    });

  common(env.command('doctor'))
    .description('Check Docker, resources, ports, subnet, images and limits; exit 1 on a failure')
    .action(async (options: CommonOptions) => {
      try {
        // Advice for a terminal: commands, not the app's buttons.
        const report = await withService(options, (service) => service.doctor('cli'));
        if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          for (const finding of report.findings) {
            process.stdout.write(`${finding.status.toUpperCase().padEnd(4)} ${finding.title}: ${finding.detail}\n`);
            if (finding.action) process.stdout.write(`     -> ${finding.action}\n`);
          }
        }
        if (!report.ok) process.exitCode = 1;
      } catch (error) {
        reportError(error, options.json);
      }
    });

  common(env.command('diagnostics'))
    .description('Write one .tar.gz with engine info, container logs, kubectl get -A, routes and iptables')
    .argument('[file]', 'archive to write', `labdeck-diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`)
    .action(async (file: string, options: CommonOptions) => {
      try {
        const result = await withService(options, (service) => service.diagnostics(path.resolve(file)));
        process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `Wrote ${result.file} (${result.entries.length} entries)\n`);
      } catch (error) {
        reportError(error, options.json);
      }
    });

  common(env.command('kubeconfig'))
    .description('Write a "labdeck" context for your own tools (other contexts stay untouched)')
    .option('--merge', 'merge into your kubeconfig (KUBECONFIG or ~/.kube/config)')
    .option('--file <path>', 'merge into this file instead')
    .action(async (options: CommonOptions & { merge?: boolean; file?: string }) => {
      try {
        const result = await withService(options, (service) => service.writeKubeconfig(Boolean(options.merge), options.file));
        process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `Context "${result.context}" written to ${result.path}\n  kubectl --kubeconfig ${result.path} --context ${result.context} get nodes\n`);
      } catch (error) {
        reportError(error, options.json);
      }
    });
}

/**
 * `env up --course <pack>`: opens the pack as `labdeck serve --course` does (signature checked, the publisher
 * trusted once at the terminal) and hands its image folder for this machine's CPU to `up` as the bundle.
 */
async function packBundle(pack: string, dataDir: string): Promise<string | undefined> {
  const [{ openPack, hostBundleDir, dockerArch }, { TrustStore }, { askTrustOnTerminal }] = await Promise.all([
    import('../../node/course-pack/open-pack.ts'),
    import('../../node/course-pack/trust-store.ts'),
    import('./trust-prompt.ts'),
  ]);
  const opened = await openPack(path.resolve(pack), { dataDir, trustStore: new TrustStore(dataDir), confirmTrust: askTrustOnTerminal });
  const bundle = hostBundleDir(opened);
  if (!bundle) {
    process.stderr.write(
      `Note: ${path.basename(pack)} (${opened.manifest.course.title}) carries no images for this computer's CPU (${dockerArch()}); images missing here are pulled, which needs the network.\n`,
    );
  }
  return bundle;
}

/** The human-readable dry run: what would be created, without full request bodies. */
function summarizePlan(plan: ReturnType<typeof planEnvironment>) {
  return {
    network: `${plan.network.Name} ${plan.network.IPAM?.Config?.[0]?.Subnet ?? ''}`,
    containers: [plan.registry, ...plan.nodes, plan.jumphost, plan.verifier].map((container) => `${container.name} (${container.role}) ${container.ip} ${container.create.Image}`),
    nodes: `${plan.privilege === 'privileged' ? 'privileged' : 'almost privileged'} (env up asks the engine and falls back to almost privileged where it refuses privileged containers)`,
    apiServer: plan.apiServer.url,
    nodePorts: plan.nodePorts.map((port) => `${port.nodePort} -> host ${port.hostPort}`),
    hint: 'Add --json for the exact Docker requests.',
  };
}

function labdeckVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/** The human-readable outcome of `env bundle`: one line per image, then the folder's totals. */
function summarizeBundle(result: BundleResult): string {
  const sizes = new Map(result.manifest.images.map((entry) => [entry.file, entry.size]));
  const lines = result.items.map((item) => {
    const size = sizes.get(item.file);
    const status = `${item.status}${item.pulled ? ' (pulled)' : ''}`;
    return `  ${status.padEnd(19)} ${item.file.padEnd(52)} ${size === undefined ? '' : formatSize(size)}`.trimEnd();
  });
  const total = result.manifest.images.reduce((sum, entry) => sum + entry.size, 0);
  lines.push(`Bundle ${result.dir}: ${result.manifest.images.length} files, ${formatSize(total)}; manifest ${path.join(result.dir, 'bundle.json')}`);
  lines.push(`Use it with \`labdeck env up --bundle ${result.dir}\`.`);
  return `${lines.join('\n')}\n`;
}
