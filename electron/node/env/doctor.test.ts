import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { bundleFileName, bundleImagePath } from './bundle.ts';
import { cidrContains, cidrsOverlap, resolveEnvConfig } from './config.ts';
import { parseProcNetRoute, privilegeFinding, runDoctor } from './doctor.ts';
import { JUMPHOST_IMAGE, NODE_IMAGE, REGISTRY_IMAGE } from './versions.ts';

const GiB = 1024 ** 3;

/**
 * Just enough of an engine for the doctor: facts, images, lab containers, and what happens when a
 * privileged container is started (`refuse`: the error the engine answers with, as on a VM without
 * CAP_SYS_RESOURCE).
 */
function fakeEngine(options: { images?: string[]; memory?: number; cpus?: number; cgroup?: string; refuse?: string; nodes?: { role: string; privilege: string }[] } = {}) {
  const images = new Set(options.images ?? [NODE_IMAGE, JUMPHOST_IMAGE, REGISTRY_IMAGE]);
  const probes: { request: Docker.ContainerCreateOptions; removed: boolean }[] = [];
  const docker = {
    ping: async () => 'OK',
    info: async () => ({ MemTotal: options.memory ?? 8 * GiB, NCPU: options.cpus ?? 4, CgroupVersion: options.cgroup ?? '2', CgroupDriver: 'systemd', OperatingSystem: 'Docker Desktop' }),
    version: async () => ({ Version: '27.1.0', ApiVersion: '1.46' }),
    listNetworks: async () => [],
    listContainers: async () =>
      (options.nodes ?? []).map((node, index) => ({
        Id: `n${index}`,
        Names: [`/node${index}`],
        State: 'running',
        Labels: { 'dev.labdeck.managed': 'true', 'dev.labdeck.env': 'labdeck', 'dev.labdeck.role': node.role, 'dev.labdeck.privilege': node.privilege },
      })),
    getImage: (name: string) => ({ inspect: async () => (images.has(name) ? { Id: `sha256:${name}` } : Promise.reject(new Error(`No such image: ${name}`))) }),
    createContainer: async (request: Docker.ContainerCreateOptions) => {
      const probe = { request, removed: false };
      probes.push(probe);
      return {
        start: async () => {
          if (options.refuse) throw new Error(options.refuse);
        },
        wait: async () => ({ StatusCode: 0 }),
        remove: async () => {
          probe.removed = true;
        },
      };
    },
  } as unknown as Docker;
  return { docker, probes };
}

// A remote engine skips the checks of this machine (ports, routes, inotify): only the engine's findings remain.
const remote = { env: { DOCKER_HOST: 'tcp://lab-host:2376' } };
const REFUSAL = 'OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown';

describe('doctor: node privilege', () => {
  const config = resolveEnvConfig();

  it('asks the engine with a throwaway privileged container from the node image, and says "privileged" when it runs', async () => {
    const { docker, probes } = fakeEngine();
    const finding = await privilegeFinding(docker, config);
    expect(finding).toMatchObject({ id: 'privilege', status: 'ok', detail: 'Nodes will run privileged: the engine runs privileged containers.' });
    expect(probes).toHaveLength(1);
    // Never labelled as the lab's own: an `env up` starting meanwhile would take it for a container of its lab.
    expect(probes[0]?.request).toMatchObject({ Image: NODE_IMAGE, HostConfig: { Privileged: true, NetworkMode: 'none' }, Labels: { 'dev.labdeck.managed': 'true', 'dev.labdeck.env': 'labdeck-doctor' } });
    expect(probes[0]?.removed).toBe(true);
  });

  it('says "almost privileged" and why when the engine refuses privileged containers', async () => {
    const { docker, probes } = fakeEngine({ refuse: REFUSAL });
    const finding = await privilegeFinding(docker, config);
    expect(finding.status).toBe('ok');
    expect(finding.detail).toMatch(/^Nodes will run almost privileged: the engine refuses privileged containers \(.*unable to apply caps.*\), so nodes get every capability it grants instead\.$/);
    expect(probes[0]?.removed).toBe(true);
  });

  it('leaves the decision to `env up` while the node image is missing, and starts nothing', async () => {
    const { docker, probes } = fakeEngine({ images: [JUMPHOST_IMAGE] });
    const finding = await privilegeFinding(docker, config);
    expect(finding).toMatchObject({ id: 'privilege', status: 'ok' });
    expect(finding.detail).toMatch(/^Decided at `labdeck env up`/);
    expect(finding.detail).toContain(NODE_IMAGE);
    expect(probes).toEqual([]);
  });

  it('reports how existing nodes were created instead of asking again', async () => {
    const { docker, probes } = fakeEngine({ nodes: [{ role: 'server', privilege: 'almost' }, { role: 'agent', privilege: 'almost' }] });
    expect((await privilegeFinding(docker, config)).detail).toMatch(/^The lab's nodes run almost privileged/);
    expect(probes).toEqual([]);
  });

  it('warns, with what to do, when the test container fails for another reason', async () => {
    const { docker } = fakeEngine({ refuse: 'no space left on device' });
    expect(await privilegeFinding(docker, config)).toMatchObject({ status: 'warn', detail: expect.stringContaining('no space left on device'), action: expect.stringContaining('labdeck env diagnostics') });
  });
});

describe('doctor: engine resources', () => {
  const config = resolveEnvConfig();
  const resources = async (memory: number, cpus: number) => (await runDoctor(fakeEngine({ memory, cpus }).docker, config, remote)).findings.find((finding) => finding.id === 'resources');

  it('three kubeadm nodes need about 1.5 GiB and 2 CPUs', async () => {
    expect(await resources(4 * GiB, 2)).toMatchObject({ status: 'ok', detail: '4.0 GiB memory, 2 CPUs' });
    expect(await resources(2 * GiB, 4)).toMatchObject({ status: 'ok' });
    expect(await resources(1.75 * GiB, 4)).toMatchObject({ status: 'warn', action: expect.stringContaining('Three kubeadm nodes need about 1.5 GiB and 2 CPUs') });
    expect(await resources(8 * GiB, 1)).toMatchObject({ status: 'warn' });
    expect(await resources(1 * GiB, 4)).toMatchObject({ status: 'fail' });
  });

  it('lists the node, jumphost and registry images and the privilege finding, and is ok when all is there', async () => {
    const report = await runDoctor(fakeEngine().docker, config, remote);
    expect(report.findings.map((finding) => finding.id)).toEqual(['docker', 'engine-version', 'cgroup', 'resources', 'docker-networks', 'image-node', 'image-jumphost', 'image-registry', 'privilege']);
    expect(report.ok).toBe(true);
    const missing = await runDoctor(fakeEngine({ images: [NODE_IMAGE, JUMPHOST_IMAGE] }).docker, config, { ...remote, where: 'cli' });
    // Labdeck's own images are on no registry: online, `env up` builds them; anything else is pulled.
    expect(missing.findings.find((finding) => finding.id === 'image-registry')).toMatchObject({ status: 'fail', title: `Image ${REGISTRY_IMAGE}`, action: expect.stringContaining(`run \`labdeck env up\` (it builds ${REGISTRY_IMAGE} on this machine)`) });
    const custom = await runDoctor(fakeEngine({ images: [] }).docker, resolveEnvConfig({ jumphost: { image: 'corp/jumphost:2' } }), remote);
    expect(custom.findings.find((finding) => finding.id === 'image-jumphost')?.action).toContain('run `docker pull corp/jumphost:2`');
    expect(missing.ok).toBe(false);
  });

  it('gives advice that fits where it is read: buttons in the app, commands on the command line', async () => {
    const engine = fakeEngine({ images: [JUMPHOST_IMAGE, REGISTRY_IMAGE] }).docker;
    const inApp = (await runDoctor(engine, config, remote)).findings.find((finding) => finding.id === 'image-node')?.action ?? '';
    const inCli = (await runDoctor(engine, config, { ...remote, where: 'cli' })).findings.find((finding) => finding.id === 'image-node')?.action ?? '';
    expect(inApp).toContain('"Open course…" on the Start screen');
    expect(inApp).not.toMatch(/labdeck env up|--course/);
    expect(inCli).toContain('labdeck env up --course <pack>');
    expect(inCli).not.toMatch(/Open course…|Start screen|button/);
  });

  it('cgroup v1 works with the pinned release, with a warning', async () => {
    const report = await runDoctor(fakeEngine({ cgroup: '1' }).docker, config, remote);
    expect(report.findings.find((finding) => finding.id === 'cgroup')).toMatchObject({ status: 'warn', action: expect.stringContaining(`Kubernetes ${config.kubernetes.version}`) });
  });
});

describe('host route parsing for the subnet clash check', () => {
  it('decodes /proc/net/route', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0',
      'eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    ].join('\n');
    const routes = parseProcNetRoute(text);
    expect(routes).toEqual([
      { iface: 'eth0', cidr: '0.0.0.0/0', mask: 0 },
      { iface: 'tun0', cidr: '10.0.0.0/8', mask: 8 },
      { iface: 'eth0', cidr: '192.168.0.0/24', mask: 24 },
    ]);
    expect(cidrsOverlap('10.0.0.0/8', '10.1.1.0/24')).toBe(true);
    expect(cidrsOverlap('192.168.0.0/24', '10.1.1.0/24')).toBe(false);
    expect(cidrContains('10.1.1.128/25', '10.1.1.10')).toBe(false);
  });
});

describe('bundle file names', () => {
  it('derive from the image reference, all in images/', () => {
    expect(bundleFileName(NODE_IMAGE)).toBe('labdeck_node_v1.33.4.tar');
    expect(bundleFileName('registry.k8s.io/coredns/coredns:v1.12.0')).toBe('registry.k8s.io_coredns_coredns_v1.12.0.tar');
    expect(bundleImagePath('/media/usb/course', 'labdeck/jumphost:1.1.0')).toBe('/media/usb/course/images/labdeck_jumphost_1.1.0.tar');
    expect(bundleImagePath('/b', 'nginx:1.14.2')).toBe('/b/images/nginx_1.14.2.tar');
  });
});
