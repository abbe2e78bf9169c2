import fs from 'node:fs/promises';
import type Docker from 'dockerode';
import type { DoctorFinding, DoctorReport } from '../../common/api/env.ts';
import { bundleImagePath, imagePresent, onlineRemedy, type AdviceFor } from './bundle.ts';
import { cidrsOverlap, type EnvConfig } from './config.ts';
import { dockerHostDescription, dockerUnreachableAction } from './docker-client.ts';
import { portIsFree } from './host-ports.ts';
import { listLabContainers } from './lab-containers.ts';
import { isLabdeckObject, LABEL_PRIVILEGE } from './labels.ts';
import { probePrivilege, type PrivilegeMode } from './privilege.ts';

const GiB = 1024 ** 3;

export interface DoctorOptions {
  env?: NodeJS.ProcessEnv;
  /** Text of /proc/net/route; read from the machine when omitted (Linux only). */
  procNetRoute?: string | null;
  inotify?: { maxUserInstances: number; maxUserWatches: number } | null;
  /**
   * Where the findings are read: the app's preflight (advice names its buttons) or `labdeck env doctor`
   * (advice names commands; there are no buttons in a terminal). Default: the app.
   */
  where?: AdviceFor;
}

/** Preflight checks. Each finding says what to do; nothing here changes the machine. */
export async function runDoctor(docker: Docker, config: EnvConfig, options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const findings: DoctorFinding[] = [];
  const host = dockerHostDescription(env);
  const remote = Boolean(env.DOCKER_HOST && !env.DOCKER_HOST.startsWith('unix://') && !env.DOCKER_HOST.startsWith('npipe://'));

  let info: Record<string, unknown> | null = null;
  let version: Docker.DockerVersion | null = null;
  try {
    await docker.ping();
    info = (await docker.info()) as Record<string, unknown>;
    version = await docker.version();
    findings.push({ id: 'docker', title: 'Docker engine reachable', status: 'ok', detail: `${host}${remote ? ' (remote engine)' : ''}` });
  } catch (error) {
    findings.push({
      id: 'docker',
      title: 'Docker engine reachable',
      status: 'fail',
      detail: `No answer from ${host}: ${error instanceof Error ? error.message : String(error)}`,
      action: dockerUnreachableAction(env),
    });
  }

  if (info && version) {
    const [major = 0, minor = 0] = version.Version.split('.').map((part) => Number.parseInt(part, 10));
    const recent = major > 20 || (major === 20 && minor >= 10);
    findings.push({
      id: 'engine-version',
      title: 'Engine version',
      status: recent ? 'ok' : 'warn',
      detail: `Docker ${version.Version}, API ${version.ApiVersion}, ${String(info.OperatingSystem ?? '')}`,
      ...(recent ? {} : { action: 'Update Docker to 20.10 or newer; older engines lack what Kubernetes nodes in Docker rely on (cgroup namespaces, API 1.41).' }),
    });
    const cgroup = String(info.CgroupVersion ?? '1');
    findings.push({
      id: 'cgroup',
      title: 'cgroup version',
      status: cgroup === '2' ? 'ok' : 'warn',
      detail: `cgroup v${cgroup}, driver ${String(info.CgroupDriver ?? 'unknown')}`,
      ...(cgroup === '2'
        ? {}
        : { action: `cgroup v1 works with Kubernetes ${config.kubernetes.version} but is being phased out by Kubernetes. Prefer a host (or Docker Desktop) with cgroup v2.` }),
    });
    const memory = Number(info.MemTotal ?? 0);
    const cpus = Number(info.NCPU ?? 0);
    // Three kubeadm nodes (etcd, the API server, controllers, kubelets, flannel, CoreDNS) use about 1.5 GiB.
    const memoryStatus = memory >= 2 * GiB ? 'ok' : memory >= 1.5 * GiB ? 'warn' : 'fail';
    findings.push({
      id: 'resources',
      title: 'Memory and CPUs for the engine',
      status: memoryStatus === 'fail' ? 'fail' : memoryStatus === 'warn' || cpus < 2 ? 'warn' : 'ok',
      detail: `${(memory / GiB).toFixed(1)} GiB memory, ${cpus} CPUs`,
      ...(memoryStatus === 'ok' && cpus >= 2
        ? {}
        : { action: 'Three kubeadm nodes need about 1.5 GiB and 2 CPUs. Give Docker Desktop more resources (Settings > Resources), close other containers, or use a remote engine (DOCKER_HOST).' }),
    });

    const networks = await docker.listNetworks();
    const clashes = networks.filter(
      (network) =>
        !isLabdeckObject(network.Labels, config.name) &&
        (network.IPAM?.Config ?? []).some((ipam) => ipam.Subnet && !ipam.Subnet.includes(':') && cidrsOverlap(ipam.Subnet, config.network.subnet)),
    );
    const nameTaken = networks.find((network) => network.Name === config.network.name && !isLabdeckObject(network.Labels, config.name));
    findings.push({
      id: 'docker-networks',
      title: 'Lab network free on the engine',
      status: clashes.length > 0 || nameTaken ? 'fail' : 'ok',
      detail:
        clashes.length > 0 || nameTaken
          ? [...clashes.map((network) => `${network.Name} uses ${network.IPAM?.Config?.[0]?.Subnet ?? '?'}`), ...(nameTaken ? [`a foreign network is named ${config.network.name}`] : [])].join('; ')
          : `${config.network.subnet} and the name ${config.network.name} are free`,
      ...(clashes.length > 0 || nameTaken ? { action: 'Remove the conflicting Docker network if it is unused (`docker network rm <name>`), or configure another lab subnet.' } : {}),
    });

    for (const [id, image] of [
      ['image-node', config.kubernetes.nodeImage],
      ['image-jumphost', config.jumphost.image],
      ['image-registry', config.registry.image],
    ] as const) {
      const present = await imagePresent(docker, image);
      const bundled = config.bundleDir ? await fileExists(bundleImagePath(config.bundleDir, image)) : false;
      findings.push({
        id,
        title: `Image ${image}`,
        status: present || bundled ? 'ok' : 'fail',
        detail: present ? 'present on the engine' : bundled ? `loadable from ${bundleImagePath(config.bundleDir ?? '', image)}` : 'missing, and no bundle provides it',
        ...(present || bundled
          ? {}
          : {
              action:
                (options.where ?? 'app') === 'cli'
                  ? `Start with the course pack your instructor handed out: \`labdeck env up --course <pack>\` (it loads its images offline), or, while online, ${onlineRemedy(image, 'cli')}.`
                  : `Open the course file your instructor handed out with "Open course…" on the Start screen (it loads its images offline), or, while online, ${onlineRemedy(image, 'app')}.`,
            }),
      });
    }
    findings.push(await privilegeFinding(docker, config, options.where ?? 'app'));
  }

  if (!remote) {
    const hostIp = config.apiServer.hostIp === '0.0.0.0' ? '127.0.0.1' : config.apiServer.hostIp;
    const ports = [config.apiServer.preferredHostPort, ...config.nodePorts];
    const busy: number[] = [];
    for (const port of ports) if (!(await portIsFree(port, hostIp))) busy.push(port);
    findings.push({
      id: 'ports',
      title: 'Host ports',
      status: busy.length > 0 ? 'warn' : 'ok',
      detail: busy.length > 0 ? `In use: ${busy.join(', ')} (Labdeck will publish on other free ports)` : `${ports.join(', ')} free on ${hostIp}`,
      ...(busy.length > 0 ? { action: 'Nothing to do unless you need the exact ports: stop what listens there, and Labdeck uses them on the next start.' } : {}),
    });

    const routeText = options.procNetRoute !== undefined ? options.procNetRoute : await fs.readFile('/proc/net/route', 'utf8').catch(() => null);
    if (routeText !== null) {
      const clashing = parseProcNetRoute(routeText).filter(
        (route) => route.mask > 0 && !route.iface.startsWith('br-') && !route.iface.startsWith('docker') && cidrsOverlap(route.cidr, config.network.subnet),
      );
      findings.push({
        id: 'host-routes',
        title: 'Lab subnet against host routes',
        status: clashing.length > 0 ? 'warn' : 'ok',
        detail: clashing.length > 0 ? `The host routes ${clashing.map((route) => `${route.cidr} (${route.iface})`).join(', ')} overlap ${config.network.subnet}` : `No host route overlaps ${config.network.subnet}`,
        ...(clashing.length > 0 ? { action: 'A VPN or LAN uses addresses of the lab. Disconnect the VPN during the workshop or configure another lab subnet; otherwise parts of that network become unreachable.' } : {}),
      });
    }

    const inotify = options.inotify !== undefined ? options.inotify : await readInotifyLimits();
    if (inotify) {
      const low = inotify.maxUserInstances < 512 || inotify.maxUserWatches < 524288;
      findings.push({
        id: 'inotify',
        title: 'inotify limits',
        status: low ? 'warn' : 'ok',
        detail: `max_user_instances=${inotify.maxUserInstances}, max_user_watches=${inotify.maxUserWatches}`,
        ...(low
          ? { action: 'Three nodes on one kernel exhaust the defaults ("too many open files"). Run: sudo sysctl fs.inotify.max_user_instances=512 fs.inotify.max_user_watches=524288' }
          : {}),
      });
    }
  }

  return { ok: findings.every((finding) => finding.status !== 'fail'), findings };
}

/**
 * How node containers will run on this engine, and why: the labels of existing nodes say how they were
 * created; otherwise the engine is asked the way `env up` asks it (privilege.ts probePrivilege), which needs
 * the node image. Without the image the answer waits for `env up`.
 */
export async function privilegeFinding(docker: Docker, config: EnvConfig, where: AdviceFor = 'app'): Promise<DoctorFinding> {
  const title = 'Node containers: privileged or almost privileged';
  const describe = (mode: PrivilegeMode) => (mode === 'privileged' ? 'privileged' : 'almost privileged');
  const nodes = (await listLabContainers(docker, config.name)).filter((container) => container.role === 'server' || container.role === 'agent');
  const labelled = nodes.map((node) => node.labels[LABEL_PRIVILEGE]).find((mode): mode is PrivilegeMode => mode === 'privileged' || mode === 'almost');
  if (labelled) {
    return { id: 'privilege', title, status: 'ok', detail: `The lab's nodes run ${describe(labelled)} (chosen when they were created; \`labdeck env reset\` asks the engine again).` };
  }
  if (!(await imagePresent(docker, config.kubernetes.nodeImage))) {
    return {
      id: 'privilege',
      title,
      status: 'ok',
      detail: `Decided at \`labdeck env up\`: it starts a throwaway privileged container from ${config.kubernetes.nodeImage} and runs the nodes privileged if the engine allows it, else almost privileged (every capability the engine grants). The image is not here yet, so the engine was not asked.`,
    };
  }
  try {
    // Labelled for an environment of its own: an `env up` starting meanwhile must not take the throwaway
    // container for one of its lab's (it refuses to reattach to containers of an unknown plan).
    const probe = await probePrivilege(docker, config.kubernetes.nodeImage, `${config.name}-doctor`);
    return { id: 'privilege', title, status: 'ok', detail: `Nodes will run ${describe(probe.mode)}: ${probe.reason}.` };
  } catch (error) {
    return {
      id: 'privilege',
      title,
      status: 'warn',
      detail: `The engine could not run a test container from ${config.kubernetes.nodeImage}: ${error instanceof Error ? error.message : String(error)}`,
      action:
        where === 'cli'
          ? '`labdeck env up` asks again; if it fails there too, share `labdeck env diagnostics`.'
          : 'Start asks the engine again; if it fails there too, tell your instructor (`labdeck env diagnostics` collects what they need).',
    };
  }
}

async function fileExists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

async function readInotifyLimits(): Promise<{ maxUserInstances: number; maxUserWatches: number } | null> {
  try {
    const instances = await fs.readFile('/proc/sys/fs/inotify/max_user_instances', 'utf8');
    const watches = await fs.readFile('/proc/sys/fs/inotify/max_user_watches', 'utf8');
    return { maxUserInstances: Number(instances.trim()), maxUserWatches: Number(watches.trim()) };
  } catch {
    return null;
  }
}

/** /proc/net/route holds destinations and masks as little-endian hex. */
export function parseProcNetRoute(text: string): { iface: string; cidr: string; mask: number }[] {
  const toIp = (hex: string) =>
    [0, 2, 4, 6]
      .map((offset) => Number.parseInt(hex.slice(offset, offset + 2), 16))
      .reverse()
      .join('.');
  return text
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      const fields = line.trim().split(/\s+/);
      const [iface, destination, , , , , , mask] = fields;
      if (!iface || !destination || !mask || destination.length !== 8) return [];
      const maskBits = toIp(mask)
        .split('.')
        .reduce((bits, part) => bits + Number(part).toString(2).split('1').length - 1, 0);
      return [{ iface, cidr: `${toIp(destination)}/${maskBits}`, mask: maskBits }];
    });
}
