import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/api/contract.ts';
import type { EnvProgress } from '../../common/api/env.ts';
import { ensureImage, imagePresent } from './bundle.ts';
import { resolveEnvConfig, type EnvConfigInput } from './config.ts';
import { createDockerClient } from './docker-client.ts';
import { execCollect, putFiles } from './docker-exec.ts';
import { runDoctor } from './doctor.ts';
import { EnvironmentService } from './environment-service.ts';
import { ensureJumphostImage } from './jumphost-image.ts';
import { FLANNEL_MANIFEST_PATH, KUBEADM_CONFIG_PATH, mirrorHostsPath } from './kubeadm-config.ts';
import { LABEL_PLAN_VERSION, labLabels } from './labels.ts';
import { PLAN_VERSION, planEnvironment, type PlanInputs } from './plan.ts';
import { ALMOST_PRIVILEGED_CAPABILITIES, probePrivilege } from './privilege.ts';
import { TEST_BASE_IMAGE, dockerTestBlocker, testSubnet, uniqueSuffix } from './test-docker.ts';
import { JUMPHOST_IMAGE, KUBERNETES_VERSION, NODE_IMAGE, REGISTRY_IMAGE } from './versions.ts';

// The environment's Docker side on a real engine, each test on a subnet of its own (never 10.1.1.0/24) and
// without source NAT. Nothing here runs kubeadm: the real cluster is the `cluster` test project's (e2e/cluster).
const { docker, reason } = await dockerTestBlocker([TEST_BASE_IMAGE, NODE_IMAGE, REGISTRY_IMAGE, JUMPHOST_IMAGE]);
if (reason) console.warn(`[skip] environment lifecycle integration tests: ${reason}`);

const suffix = uniqueSuffix();

async function removeQuietly(action: () => Promise<unknown>): Promise<void> {
  await action().catch(() => undefined);
}

/** A two-node environment on subnet `index`, every name and address its own. */
function testConfig(envName: string, index: number, extra: EnvConfigInput = {}): EnvConfigInput {
  const net = testSubnet(index);
  return {
    name: envName,
    network: { name: `labdeck-it-${envName}`, subnet: net.subnet, gateway: net.gateway, ipRange: net.ipRange, masquerade: false },
    nodes: [
      { name: `m-${suffix}`, role: 'server', ip: net.ip(10) },
      { name: `w-${suffix}`, role: 'agent', ip: net.ip(7) },
    ],
    jumphost: { name: `j-${suffix}`, ip: net.ip(5) },
    verifier: { name: `v-${suffix}`, ip: net.ip(6) },
    registry: { name: `r-${suffix}`, ip: net.ip(3) },
    ...extra,
  };
}

function recordingService(config: EnvConfigInput, dataDir: string, progress: EnvProgress[] = []) {
  return new EnvironmentService({
    events: { emit: <K extends EventName>(name: K, payload: EventPayload<K>) => void (name === 'env.progress' && progress.push(payload as EnvProgress)) },
    dataDir,
    allowPull: false,
    config,
  });
}

async function labelled(envName: string) {
  const filters = { label: [`dev.labdeck.env=${envName}`] };
  return {
    containers: (await docker.listContainers({ all: true, filters })).map((container) => container.Names[0]?.replace(/^\//, '')).sort(),
    networks: (await docker.listNetworks({ filters })).map((network) => network.Name),
    volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).map((volume) => volume.Name).sort(),
  };
}

describe.skipIf(reason !== null)('environment lifecycle on a real engine (no kubeadm: nodes are created, never started)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'labdeck-life-it-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("the engine accepts the planned node containers, privileged and almost privileged, the registry mirror, and kubeadm's files", async () => {
    const envName = `it-node-${suffix}`;
    const config = resolveEnvConfig(testConfig(envName, 0));
    const inputs: PlanInputs = { token: 'abcdef.0123456789abcdef', privilege: 'privileged', apiHostPort: 0, registryHostPort: 0, nodePortHostPorts: { 30080: 0 } };
    const privileged = planEnvironment(config, inputs);
    const almost = planEnvironment(config, { ...inputs, privilege: 'almost' });
    const [server] = privileged.nodes;
    const [, worker] = almost.nodes;
    if (!server || !worker) throw new Error('two nodes planned');
    const network = await docker.createNetwork(privileged.network);
    const created: string[] = [];
    try {
      for (const planned of [server, worker, privileged.registry]) {
        const container = await docker.createContainer(planned.create);
        created.push(container.id);
        await putFiles(docker, container.id, planned.files);
      }
      const [serverInfo, workerInfo, registryInfo] = await Promise.all(created.map((id) => docker.getContainer(id).inspect()));
      for (const info of [serverInfo, workerInfo]) {
        expect(info?.Config.Image).toBe(NODE_IMAGE);
        expect(info?.HostConfig.Init).toBe(true);
        expect((info?.HostConfig as { CgroupnsMode?: string }).CgroupnsMode).toBe('private');
        expect(Object.keys(info?.HostConfig.Tmpfs ?? {}).sort()).toEqual(['/run', '/tmp']);
        // The engine may add its own (label=disable for privileged containers).
        expect(info?.HostConfig.SecurityOpt).toEqual(expect.arrayContaining(['seccomp=unconfined', 'apparmor=unconfined']));
        expect(info?.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
        expect(info?.Mounts.map((mount) => [mount.Type, mount.Destination])).toEqual([['volume', '/var']]);
      }
      expect(serverInfo?.HostConfig.Privileged).toBe(true);
      expect(serverInfo?.HostConfig.PortBindings?.['6443/tcp']?.[0]?.HostIp).toBe('127.0.0.1');
      expect(serverInfo?.Config.Labels).toMatchObject({ 'dev.labdeck.managed': 'true', 'dev.labdeck.env': envName, 'dev.labdeck.role': 'server', 'dev.labdeck.privilege': 'privileged' });
      expect(workerInfo?.HostConfig.Privileged).toBe(false);
      expect(workerInfo?.HostConfig.CapAdd).toEqual([...ALMOST_PRIVILEGED_CAPABILITIES]);
      expect(workerInfo?.HostConfig.DeviceCgroupRules).toEqual(['a *:* rmw']);
      expect(workerInfo?.HostConfig.Devices).toEqual([{ PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm' }]);
      expect(workerInfo?.Config.Labels).toMatchObject({ 'dev.labdeck.role': 'agent', 'dev.labdeck.privilege': 'almost' });
      expect(registryInfo?.Config.Image).toBe(REGISTRY_IMAGE);
      expect(registryInfo?.HostConfig.PortBindings?.['5000/tcp']?.[0]?.HostIp).toBe('127.0.0.1');
      expect(registryInfo?.NetworkSettings.Networks[config.network.name]?.IPAMConfig?.IPv4Address).toBe(config.registry.ip);

      // Named, labelled volumes for each node's /var and the mirror's storage: `down` finds them by label.
      expect((await labelled(envName)).volumes).toEqual(privileged.volumes.map((volume) => volume.name).sort());
      const networkInfo = await network.inspect();
      expect(networkInfo.Options).toMatchObject({ 'com.docker.network.bridge.enable_ip_masquerade': 'false' });

      // kubeadm's configuration (with the token) and the flannel manifest on master1 only; the mirror on both.
      const kubeadm = await readFile(created[0]!, KUBEADM_CONFIG_PATH);
      expect(kubeadm).toContain('token: abcdef.0123456789abcdef');
      expect(kubeadm).toContain(`kubernetesVersion: ${KUBERNETES_VERSION}`);
      expect(kubeadm).toContain(`controlPlaneEndpoint: ${config.nodes[0]?.ip}:6443`);
      expect(await readFile(created[0]!, FLANNEL_MANIFEST_PATH)).toContain('kube-flannel-ds');
      await expect(readFile(created[1]!, KUBEADM_CONFIG_PATH)).rejects.toThrow();
      for (const id of created.slice(0, 2)) expect(await readFile(id, mirrorHostsPath('registry.k8s.io'))).toContain(`[host."http://${config.registry.ip}:5000"]`);
    } finally {
      for (const id of created) await removeQuietly(() => docker.getContainer(id).remove({ force: true, v: true }));
      await removeQuietly(() => network.remove());
      for (const volume of privileged.volumes) await removeQuietly(() => docker.getVolume(volume.name).remove());
    }
  });

  it('up without the node image stops at the images phase, names the bundle file, and creates nothing', async () => {
    const envName = `it-up-${suffix}`;
    const progress: EnvProgress[] = [];
    const service = recordingService(testConfig(envName, 1, { kubernetes: { nodeImage: `labdeck/node:v0.0.0-absent-${suffix}` }, bundleDir: path.join(dataDir, 'empty-bundle') }), dataDir, progress);
    try {
      await expect(service.up()).rejects.toMatchObject({
        code: 'environment-not-ready',
        message: expect.stringContaining(`empty-bundle/images/labdeck_node_v0.0.0-absent-${suffix}.tar`),
        // On no registry: online, `env up` builds it.
        action: expect.stringContaining('run `labdeck env up` (it builds'),
      });
      expect(progress.map((event) => event.phase)).toEqual(expect.arrayContaining(['preflight', 'images']));
      expect(progress.every((event) => event.operation === 'up')).toBe(true);
      expect(progress.some((event) => event.phase === 'network' || event.phase === 'nodes')).toBe(false);
      expect(await labelled(envName)).toEqual({ containers: [], networks: [], volumes: [] });
      expect((await service.status()).state).toBe('absent');
    } finally {
      await service.dispose();
    }
  });

  it('up asks the engine how nodes run, creates the network without NAT and starts the registry mirror; cancelled there, down removes it all', async () => {
    const envName = `it-upreg-${suffix}`;
    const progress: EnvProgress[] = [];
    const config = testConfig(envName, 2, { workloadImages: [`absent/workload-${suffix}:1`], apiServer: { preferredHostPort: 16443 } });
    // Stopped right after the network exists: the next step that looks at the signal is the wait for the mirror.
    const service: EnvironmentService = new EnvironmentService({
      events: {
        emit: <K extends EventName>(name: K, payload: EventPayload<K>) => {
          if (name !== 'env.progress') return;
          const event = payload as EnvProgress;
          progress.push(event);
          if (event.phase === 'network' && event.percent === 100) service.cancel();
        },
      },
      dataDir,
      allowPull: false,
      config,
    });
    try {
      const outcome = await service.up().then(() => null, (error: unknown) => error);
      expect(outcome).toMatchObject({ code: 'cancelled' });
      // The privilege the engine grants, asked the same way the doctor asks, and said why.
      const expected = await probePrivilege(docker, NODE_IMAGE, `it-probe-${suffix}`);
      const decided = progress.find((event) => event.phase === 'nodes' && event.percent === 0);
      expect(decided?.message).toBe(expected.mode === 'privileged' ? 'Nodes run privileged' : 'Nodes run almost privileged');
      expect(decided?.log?.split('(')[0]).toBe(expected.reason.split('(')[0]);
      // Offline and absent: reported, not fatal (online, the nodes would fetch it themselves).
      expect(progress.some((event) => event.message === `Not available offline: absent/workload-${suffix}:1`)).toBe(true);

      const resolved = resolveEnvConfig(config);
      const network = (await docker.listNetworks({ filters: { label: [`dev.labdeck.env=${envName}`] } }))[0];
      expect(network?.Name).toBe(resolved.network.name);
      expect(network?.Options).toMatchObject({ 'com.docker.network.bridge.enable_ip_masquerade': 'false' });
      expect(network?.IPAM?.Config?.[0]).toMatchObject({ Subnet: resolved.network.subnet, IPRange: resolved.network.ipRange });
      const [registry] = await docker.listContainers({ filters: { label: [`dev.labdeck.env=${envName}`, 'dev.labdeck.role=registry'] } });
      expect(registry?.State).toBe('running');
      expect(registry?.Labels[LABEL_PLAN_VERSION]).toBe(PLAN_VERSION);
      // The mirror answers on its published port, where the engine pushes.
      const port = registry?.Ports.find((binding) => binding.PrivatePort === 5000)?.PublicPort;
      expect((await fetch(`http://127.0.0.1:${port}/v2/`)).status).toBe(200);
      // No node was created: privilege was decided, but the nodes come after the mirror.
      expect((await labelled(envName)).containers).toEqual([`r-${suffix}`]);

      // A backend started afresh finds it by its labels; with no control-plane node there is nothing to resume.
      const restarted = recordingService(config, dataDir);
      expect((await restarted.status()).state).toBe('degraded');
      await expect(restarted.resume()).rejects.toMatchObject({ code: 'not-found' });
      await restarted.dispose();
    } finally {
      const status = await service.down();
      expect(status.state).toBe('absent');
      expect(await labelled(envName)).toEqual({ containers: [], networks: [], volumes: [] });
      await service.dispose();
    }
  });

  it('up refuses to reattach to what it cannot drive: containers of another plan version, or workers without master1', async () => {
    const envName = `it-foreign-${suffix}`;
    const config = testConfig(envName, 3);
    const make = (planVersion: string) =>
      docker.createContainer({
        name: `stray-${planVersion}-${suffix}`,
        Image: TEST_BASE_IMAGE,
        Cmd: ['true'],
        Labels: labLabels(envName, { 'dev.labdeck.role': 'agent', 'dev.labdeck.node': `w-${suffix}`, [LABEL_PLAN_VERSION]: planVersion }),
      });
    const service = recordingService(config, dataDir);
    const old = await make('0');
    try {
      await expect(service.up()).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('another Labdeck version'), action: expect.stringContaining('labdeck env reset') });
      await old.remove({ force: true });
      await make(PLAN_VERSION);
      await expect(service.up()).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('control-plane node master1 is gone') });
      expect((await labelled(envName)).networks).toEqual([]);
    } finally {
      await service.down().catch(() => undefined);
      await removeQuietly(() => old.remove({ force: true }));
      await service.dispose();
    }
  });

  it('down removes only objects with the environment labels; a bystander container and network stay', async () => {
    const envName = `it-down-${suffix}`;
    const net = testSubnet(4);
    const quiet = { 'com.docker.network.bridge.enable_ip_masquerade': 'false' };
    const bystanderNetwork = await docker.createNetwork({ Name: `bystander-net-${suffix}`, Labels: { purpose: 'bystander' }, Options: quiet, IPAM: { Driver: 'default', Config: [{ Subnet: net.subnet, Gateway: net.gateway }] } });
    const bystander = await docker.createContainer({ name: `bystander-${suffix}`, Image: TEST_BASE_IMAGE, Cmd: ['sleep', 'infinity'], Labels: { 'dev.labdeck.managed': 'false' } });
    // Same env label value but no managed label: still not Labdeck's.
    const lookalike = await docker.createContainer({ name: `lookalike-${suffix}`, Image: TEST_BASE_IMAGE, Cmd: ['true'], Labels: { 'dev.labdeck.env': envName } });
    const labels = { 'dev.labdeck.managed': 'true', 'dev.labdeck.env': envName };
    const ours = await docker.createContainer({ name: `ours-${suffix}`, Image: TEST_BASE_IMAGE, Cmd: ['sleep', 'infinity'], Labels: { ...labels, 'dev.labdeck.role': 'agent', 'dev.labdeck.node': 'w' } });
    await ours.start();
    const ourNet = testSubnet(5);
    const ourNetwork = await docker.createNetwork({ Name: `ours-net-${suffix}`, Labels: labels, Options: quiet, IPAM: { Driver: 'default', Config: [{ Subnet: ourNet.subnet, Gateway: ourNet.gateway }] } });
    await docker.createVolume({ Name: `ours-vol-${suffix}`, Labels: labels });
    const service = new EnvironmentService({ events: { emit: () => undefined }, dataDir, config: testConfig(envName, 6) });
    try {
      const status = await service.down();
      expect(status.state).toBe('absent');
      await expect(ours.inspect()).rejects.toThrow();
      await expect(ourNetwork.inspect()).rejects.toThrow();
      await expect(docker.getVolume(`ours-vol-${suffix}`).inspect()).rejects.toThrow();
      expect((await bystander.inspect()).Name).toBe(`/bystander-${suffix}`);
      expect((await lookalike.inspect()).Name).toBe(`/lookalike-${suffix}`);
      expect((await bystanderNetwork.inspect()).Name).toBe(`bystander-net-${suffix}`);
    } finally {
      await service.dispose();
      await removeQuietly(() => bystander.remove({ force: true }));
      await removeQuietly(() => lookalike.remove({ force: true }));
      await removeQuietly(() => bystanderNetwork.remove());
      await removeQuietly(() => ours.remove({ force: true }));
      await removeQuietly(() => ourNetwork.remove());
    }
  });

  it('loads a missing image from the bundle with docker load, never from a registry', async () => {
    const image = `labdeck-it/offline-${suffix}:1`;
    const bundle = path.join(dataDir, 'bundle');
    await fs.mkdir(path.join(bundle, 'images'), { recursive: true });
    await docker.getImage(TEST_BASE_IMAGE).tag({ repo: `labdeck-it/offline-${suffix}`, tag: '1' });
    const file = path.join(bundle, 'images', `labdeck-it_offline-${suffix}_1.tar`);
    await pipeline(await docker.getImage(image).get(), createWriteStream(file));
    await docker.getImage(image).remove();
    expect(await imagePresent(docker, image)).toBe(false);
    try {
      const logs: string[] = [];
      expect(await ensureImage(docker, image, { bundleDir: bundle, allowPull: false, onLog: (line) => logs.push(line) })).toBe('bundle');
      expect(await imagePresent(docker, image)).toBe(true);
      expect(logs).toEqual([`docker load < ${file}`]);
      // Present now: nothing is loaded or pulled again.
      expect(await ensureImage(docker, image, { bundleDir: bundle, allowPull: true })).toBe('present');
    } finally {
      await removeQuietly(() => docker.getImage(image).remove());
    }
  });

  it("builds the jumphost from resources/jumphost/Dockerfile with the node image's kubectl when no image or bundle has it", async () => {
    const tag = `labdeck-it/jumphost:${suffix}`;
    const logs: string[] = [];
    try {
      const source = await ensureJumphostImage(docker, tag, {
        allowBuild: true,
        build: { baseImage: TEST_BASE_IMAGE, nodeImage: NODE_IMAGE },
        onLog: (line) => logs.push(line),
      });
      expect(source).toBe('built');
      const info = await docker.getImage(tag).inspect();
      expect(info.Config.User).toBe('ubuntu');
      expect(logs.some((line) => line.includes('Successfully built'))).toBe(true);
      // kubectl is the cluster's own release, copied from the node image.
      const container = await docker.createContainer({ Image: tag, Cmd: ['kubectl', 'version', '--client', '-o', 'json'], Labels: labLabels(`it-build-${suffix}`) });
      try {
        await container.start();
        await container.wait();
        const output = (await container.logs({ stdout: true, stderr: false })).toString('utf8');
        expect(output).toContain(`"gitVersion": "${KUBERNETES_VERSION}"`);
      } finally {
        await removeQuietly(() => container.remove({ force: true }));
      }
      // Offline and without a Dockerfile to build from, the answer is the bundle file to bring.
      await expect(ensureJumphostImage(docker, `labdeck-it/jumphost-absent:${suffix}`, { allowBuild: false, bundleDir: '/media/course' })).rejects.toMatchObject({
        message: expect.stringContaining(`/media/course/images/labdeck-it_jumphost-absent_${suffix}.tar`),
      });
    } finally {
      await removeQuietly(() => docker.getImage(tag).remove());
    }
  }, 600_000);

  it('names the expected bundle file when an image is missing everywhere', async () => {
    const image = `labdeck-it/absent-${suffix}:9`;
    await expect(ensureImage(docker, image, { bundleDir: '/media/course', allowPull: false })).rejects.toMatchObject({
      code: 'environment-not-ready',
      message: expect.stringContaining(`/media/course/images/labdeck-it_absent-${suffix}_9.tar`),
      action: expect.stringContaining(`docker pull ${image}`),
    });
  });

  it('doctor reports a reachable engine with its facts and how nodes will run here, and an unreachable one with what to do', async () => {
    const config = resolveEnvConfig(testConfig(`it-doc-${suffix}`, 7));
    const up = await runDoctor(docker, config);
    const byId = (report: typeof up, id: string) => report.findings.find((finding) => finding.id === id);
    expect(byId(up, 'docker')?.status).toBe('ok');
    expect(byId(up, 'engine-version')?.detail).toMatch(/^Docker \d+\./);
    expect(byId(up, 'cgroup')?.detail).toMatch(/cgroup v[12]/);
    expect(byId(up, 'resources')?.detail).toMatch(/GiB memory, \d+ CPUs/);
    expect(byId(up, 'image-node')?.status).toBe('ok');
    expect(byId(up, 'image-registry')?.status).toBe('ok');
    const probe = await probePrivilege(docker, NODE_IMAGE, config.name);
    expect(byId(up, 'privilege')?.detail).toMatch(probe.mode === 'privileged' ? /^Nodes will run privileged: / : /^Nodes will run almost privileged: the engine refuses privileged containers/);
    expect(up.findings.every((finding) => finding.status === 'ok' || finding.action)).toBe(true);
    // The probes leave nothing behind.
    expect((await labelled(config.name)).containers).toEqual([]);
    expect((await labelled(`${config.name}-doctor`)).containers).toEqual([]);

    const without = await runDoctor(docker, resolveEnvConfig({ ...testConfig(`it-doc2-${suffix}`, 7), kubernetes: { nodeImage: `labdeck/node:v0.0.0-absent-${suffix}` } }));
    expect(byId(without, 'privilege')?.detail).toMatch(/^Decided at `labdeck env up`/);

    const deadEnv = { ...process.env, DOCKER_HOST: `unix://${path.join(dataDir, 'no-such-docker.sock')}` };
    const down = await runDoctor(createDockerClient(deadEnv), config, { env: deadEnv });
    expect(down.ok).toBe(false);
    expect(byId(down, 'docker')).toMatchObject({ status: 'fail', action: expect.stringContaining('DOCKER_HOST=unix://') });
    expect(byId(down, 'engine-version')).toBeUndefined();
    expect(byId(down, 'privilege')).toBeUndefined();
  });

  it('exec collects output and exit codes, and gives up after its timeout', async () => {
    const container = await docker.createContainer({ name: `exec-${suffix}`, Image: TEST_BASE_IMAGE, Cmd: ['sleep', 'infinity'], Labels: { 'dev.labdeck.managed': 'true', 'dev.labdeck.env': `it-exec-${suffix}` } });
    try {
      await container.start();
      expect(await execCollect(docker, container.id, ['sh', '-c', 'echo out; sleep 0.3; echo err >&2; exit 4'], { timeoutMs: 10_000 })).toEqual({ exitCode: 4, output: 'out\nerr\n' });
      const slow = await execCollect(docker, container.id, ['sleep', '5'], { timeoutMs: 300 });
      expect(slow.exitCode).toBe(124);
    } finally {
      await removeQuietly(() => container.remove({ force: true }));
    }
  });
});

/** One file of a (stopped or running) container, through the archive API. */
async function readFile(containerId: string, file: string): Promise<string> {
  const stream = (await docker.getContainer(containerId).getArchive({ path: file })) as unknown as NodeJS.ReadableStream;
  const extract = tar.extract();
  let content = '';
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (_header, entry, next) => {
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      entry.on('end', () => {
        content += Buffer.concat(chunks).toString('utf8');
        next();
      });
      entry.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  stream.pipe(extract);
  await done;
  return content;
}
