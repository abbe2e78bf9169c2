import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/api/contract.ts';
import type { EnvProgress } from '../../common/api/env.ts';
import tar from 'tar-stream';
import { ensureImage, imagePresent, selectAirgapImages } from './bundle.ts';
import { resolveEnvConfig } from './config.ts';
import { createDockerClient } from './docker-client.ts';
import { execCollect, putFiles, putHostFiles } from './docker-exec.ts';
import { runDoctor } from './doctor.ts';
import { EnvironmentService } from './environment-service.ts';
import { K3S_CONFIG_PATH } from './k3s-config.ts';
import { ensureJumphostImage } from './jumphost-image.ts';
import { AIRGAP_IMAGES_DIR, planEnvironment } from './plan.ts';
import { TEST_BASE_IMAGE, dockerTestBlocker, uniqueSuffix } from './test-docker.ts';

const { docker, reason } = await dockerTestBlocker([TEST_BASE_IMAGE]);
if (reason) console.warn(`[skip] environment lifecycle integration tests: ${reason}`);

const suffix = uniqueSuffix();
const third = 150 + (process.pid % 40);

async function removeQuietly(action: () => Promise<unknown>): Promise<void> {
  await action().catch(() => undefined);
}

describe.skipIf(reason !== null)('environment lifecycle on a real engine (no k3s: nodes are created, never started)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'labdeck-life-it-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('the engine accepts the planned node container as k3d would create it, with labelled named volumes and files in place', async () => {
    const envName = `it-node-${suffix}`;
    const config = resolveEnvConfig({
      name: envName,
      network: { name: `labdeck-it-node-${suffix}`, subnet: `10.${third}.3.0/24`, gateway: `10.${third}.3.1`, ipRange: `10.${third}.3.128/25` },
      nodes: [{ name: `master1-${suffix}`, role: 'server', ip: `10.${third}.3.10` }],
      jumphost: { name: `jh-${suffix}`, ip: `10.${third}.3.5` },
      verifier: { name: `vf-${suffix}`, ip: `10.${third}.3.6` },
    });
    const plan = planEnvironment(config, { token: 't', apiHostPort: 0, nodePortHostPorts: { 30080: 0 } });
    const node = plan.nodes[0];
    if (!node) throw new Error('no node planned');
    const network = await docker.createNetwork(plan.network);
    // The k3s image cannot exist here; the base image stands in so the engine validates everything else.
    const container = await docker.createContainer({ ...node.create, Image: TEST_BASE_IMAGE });
    try {
      await putFiles(docker, container.id, node.files);
      const info = await container.inspect();
      expect(info.HostConfig.Privileged).toBe(true);
      expect(info.HostConfig.Init).toBe(true);
      expect(info.HostConfig.Tmpfs).toEqual({ '/run': '', '/var/run': '' });
      expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
      expect(info.HostConfig.PortBindings?.['6443/tcp']?.[0]?.HostIp).toBe('127.0.0.1');
      expect(info.Config.Labels).toMatchObject({ 'dev.labdeck.managed': 'true', 'dev.labdeck.env': envName, 'dev.labdeck.role': 'server' });
      const volumes = await docker.listVolumes({ filters: { label: [`dev.labdeck.env=${envName}`] } });
      expect((volumes.Volumes ?? []).map((volume) => volume.Name).sort()).toEqual(plan.volumes.map((volume) => volume.name).sort());
      // The k3s config is readable in the stopped container, where attendees will find it on master1.
      const archive = (await container.getArchive({ path: K3S_CONFIG_PATH })) as unknown as NodeJS.ReadableStream;
      const text = await readSingleFileFromTar(archive);
      expect(text).toContain('cluster-cidr: 10.244.0.0/16');

      // Air-gap folder: bundle files plus `docker save` of images only the host engine has.
      const bundle = path.join(dataDir, 'node-bundle');
      await fs.mkdir(path.join(bundle, 'airgap'), { recursive: true });
      await fs.writeFile(path.join(bundle, 'airgap', 'k3s-airgap-images-amd64.tar.zst'), 'zstd bytes stand-in');
      const selection = await selectAirgapImages(docker, ['rancher/mirrored-pause:3.6', TEST_BASE_IMAGE, `absent/image-${suffix}:1`], {
        bundleDir: bundle,
        cacheDir: path.join(dataDir, 'airgap-cache'),
      });
      expect(selection.files.map((file) => file.name)).toEqual(['k3s-airgap-images-amd64.tar.zst', 'labdeck_debian-base_bookworm.tar']);
      expect(selection.missing).toEqual([{ image: `absent/image-${suffix}:1`, expected: path.join(bundle, 'airgap', `absent_image-${suffix}_1.tar`) }]);
      await putHostFiles(docker, container.id, AIRGAP_IMAGES_DIR, selection.files);
      const copied = (await container.getArchive({ path: `${AIRGAP_IMAGES_DIR}/k3s-airgap-images-amd64.tar.zst` })) as unknown as NodeJS.ReadableStream;
      expect(await readSingleFileFromTar(copied)).toBe('zstd bytes stand-in');
      const saved = (await container.getArchive({ path: `${AIRGAP_IMAGES_DIR}/labdeck_debian-base_bookworm.tar` })) as unknown as NodeJS.ReadableStream;
      expect(await tarEntrySize(saved)).toBe(selection.files[1]?.size);
    } finally {
      await removeQuietly(() => container.remove({ force: true, v: true }));
      await removeQuietly(() => network.remove());
      for (const volume of plan.volumes) await removeQuietly(() => docker.getVolume(volume.name).remove());
    }
  });

  it('up without the k3s image stops at the images phase, names the bundle file, and creates nothing', async () => {
    const envName = `it-up-${suffix}`;
    const progress: EnvProgress[] = [];
    const service = new EnvironmentService({
      events: { emit: <K extends EventName>(name: K, payload: EventPayload<K>) => void (name === 'env.progress' && progress.push(payload as EnvProgress)) },
      dataDir,
      allowPull: false,
      config: {
        name: envName,
        network: { name: `labdeck-it-up-${suffix}`, subnet: `10.${third}.4.0/24`, gateway: `10.${third}.4.1`, ipRange: `10.${third}.4.128/25` },
        nodes: [{ name: `m-${suffix}`, role: 'server', ip: `10.${third}.4.10` }],
        jumphost: { ip: `10.${third}.4.5` },
        verifier: { ip: `10.${third}.4.6` },
        k3s: { image: `rancher/k3s:v0.0.0-absent-${suffix}` },
        bundleDir: path.join(dataDir, 'empty-bundle'),
      },
    });
    try {
      await expect(service.up()).rejects.toMatchObject({
        code: 'environment-not-ready',
        message: expect.stringContaining(`empty-bundle/images/rancher_k3s_v0.0.0-absent-${suffix}.tar`),
      });
      expect(progress.map((event) => event.phase)).toEqual(expect.arrayContaining(['preflight', 'images']));
      expect(progress.every((event) => event.operation === 'up')).toBe(true);
      expect(progress.some((event) => event.phase === 'network')).toBe(false);
      expect(await docker.listNetworks({ filters: { label: [`dev.labdeck.env=${envName}`] } })).toEqual([]);
      expect((await service.status()).state).toBe('absent');
    } finally {
      await service.dispose();
    }
  });

  it('up runs preflight, images, network and nodes for real, then reports the engine refusing privileged nodes; down cleans up', async () => {
    const envName = `it-upnodes-${suffix}`;
    const progress: EnvProgress[] = [];
    const service = new EnvironmentService({
      events: { emit: <K extends EventName>(name: K, payload: EventPayload<K>) => void (name === 'env.progress' && progress.push(payload as EnvProgress)) },
      dataDir,
      allowPull: false,
      config: {
        name: envName,
        network: { name: `labdeck-it-upn-${suffix}`, subnet: `10.${third}.5.0/24`, gateway: `10.${third}.5.1`, ipRange: `10.${third}.5.128/25` },
        nodes: [
          { name: `m-${suffix}`, role: 'server', ip: `10.${third}.5.10` },
          { name: `w-${suffix}`, role: 'agent', ip: `10.${third}.5.7` },
        ],
        jumphost: { name: `j-${suffix}`, ip: `10.${third}.5.5` },
        verifier: { name: `v-${suffix}`, ip: `10.${third}.5.6` },
        // No k3s image can exist here: a stand-in image lets the engine run every step before k3s starts.
        k3s: { image: TEST_BASE_IMAGE },
        apiServer: { preferredHostPort: 16443 },
        nodePorts: [30080],
        workloadImages: [`absent/workload-${suffix}:1`],
      },
    });
    try {
      const outcome = await service.up().then(
        () => null,
        (error: unknown) => error,
      );
      const containers = await docker.listContainers({ all: true, filters: { label: [`dev.labdeck.env=${envName}`] } });
      expect(containers.map((container) => container.Names[0]).sort()).toEqual([`/m-${suffix}`, `/w-${suffix}`]);
      const phases = [...new Set(progress.map((event) => event.phase))];
      expect(phases.slice(0, 5)).toEqual(['preflight', 'images', 'network', 'nodes', 'join']);
      expect(progress.some((event) => event.log?.includes(`absent/workload-${suffix}:1`))).toBe(true);
      if (outcome === null) {
        // An engine that allows privileged containers gets this far only with a real k3s image.
        throw new Error('up succeeded with a stand-in image');
      }
      const message = outcome instanceof Error ? outcome.message : String(outcome);
      if (/unable to apply caps|operation not permitted/i.test(message)) {
        // This machine (and CI) refuses privileged containers: the line k3s cannot cross here.
        expect(outcome).toMatchObject({ code: 'environment-not-ready', action: expect.stringContaining('must run privileged') });
      } else {
        // An engine that runs privileged containers starts the stand-in, which never prints k3s's ready line.
        expect(outcome).toMatchObject({ code: 'environment-not-ready' });
      }
    } finally {
      const status = await service.down();
      expect(status.state).toBe('absent');
      expect(await docker.listContainers({ all: true, filters: { label: [`dev.labdeck.env=${envName}`] } })).toEqual([]);
      expect((await docker.listVolumes({ filters: { label: [`dev.labdeck.env=${envName}`] } })).Volumes ?? []).toEqual([]);
      expect(await docker.listNetworks({ filters: { label: [`dev.labdeck.env=${envName}`] } })).toEqual([]);
      await service.dispose();
    }
  });

  it('down removes only objects with the environment labels; a bystander container and network stay', async () => {
    const envName = `it-down-${suffix}`;
    const bystanderNetwork = await docker.createNetwork({ Name: `bystander-net-${suffix}`, Labels: { purpose: 'bystander' } });
    const bystander = await docker.createContainer({ name: `bystander-${suffix}`, Image: TEST_BASE_IMAGE, Cmd: ['sleep', 'infinity'], Labels: { 'dev.labdeck.managed': 'false' } });
    // Same env label value but no managed label: still not Labdeck's.
    const lookalike = await docker.createContainer({ name: `lookalike-${suffix}`, Image: TEST_BASE_IMAGE, Cmd: ['true'], Labels: { 'dev.labdeck.env': envName } });
    const labels = { 'dev.labdeck.managed': 'true', 'dev.labdeck.env': envName };
    const ours = await docker.createContainer({ name: `ours-${suffix}`, Image: TEST_BASE_IMAGE, Cmd: ['sleep', 'infinity'], Labels: { ...labels, 'dev.labdeck.role': 'agent', 'dev.labdeck.node': 'w' } });
    await ours.start();
    const ourNetwork = await docker.createNetwork({ Name: `ours-net-${suffix}`, Labels: labels });
    await docker.createVolume({ Name: `ours-vol-${suffix}`, Labels: labels });
    const service = new EnvironmentService({ events: { emit: () => undefined }, dataDir, config: { name: envName } });
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

  it('builds the jumphost from resources/jumphost/Dockerfile through the engine API when no image or bundle has it', async () => {
    const tag = `labdeck-it/jumphost:${suffix}`;
    const logs: string[] = [];
    try {
      const source = await ensureJumphostImage(docker, tag, {
        allowBuild: true,
        build: { baseImage: TEST_BASE_IMAGE, kubectlSource: 'debian' },
        onLog: (line) => logs.push(line),
      });
      expect(source).toBe('built');
      const info = await docker.getImage(tag).inspect();
      expect(info.Config.User).toBe('ubuntu');
      expect(info.Config.Labels?.['dev.labdeck.kubectl-source']).toBe('debian');
      expect(logs.some((line) => line.includes('Successfully built'))).toBe(true);
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

  it('doctor reports a reachable engine with its facts, and an unreachable one with what to do', async () => {
    const config = resolveEnvConfig({ name: `it-doc-${suffix}` });
    const up = await runDoctor(docker, config);
    const byId = (report: typeof up, id: string) => report.findings.find((finding) => finding.id === id);
    expect(byId(up, 'docker')?.status).toBe('ok');
    expect(byId(up, 'engine-version')?.detail).toMatch(/^Docker \d+\./);
    expect(byId(up, 'cgroup')?.detail).toMatch(/cgroup v[12]/);
    expect(byId(up, 'resources')?.detail).toMatch(/GiB memory, \d+ CPUs/);
    expect(byId(up, 'image-jumphost')).toBeDefined();
    expect(up.findings.every((finding) => finding.status === 'ok' || finding.action)).toBe(true);

    const deadEnv = { ...process.env, DOCKER_HOST: `unix://${path.join(dataDir, 'no-such-docker.sock')}` };
    const down = await runDoctor(createDockerClient(deadEnv), config, { env: deadEnv });
    expect(down.ok).toBe(false);
    expect(byId(down, 'docker')).toMatchObject({ status: 'fail', action: expect.stringContaining('DOCKER_HOST=unix://') });
    expect(byId(down, 'engine-version')).toBeUndefined();
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

async function readSingleFileFromTar(stream: NodeJS.ReadableStream): Promise<string> {
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

async function tarEntrySize(stream: NodeJS.ReadableStream): Promise<number> {
  const extract = tar.extract();
  let size = -1;
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, entry, next) => {
      size = header.size ?? -1;
      entry.on('end', next);
      entry.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  stream.pipe(extract);
  await done;
  return size;
}
