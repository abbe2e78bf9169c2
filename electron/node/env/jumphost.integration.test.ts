import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/api/contract.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { execCollect, execInteractive } from './docker-exec.ts';
import { EnvironmentService } from './environment-service.ts';
import { terminalRecorderFor } from '../terminals/terminal-recorder.ts';
import { startStandaloneJumphost, type StandaloneJumphost } from './standalone-jumphost.ts';
import { dockerTestBlocker, testSubnet, uniqueSuffix } from './test-docker.ts';
import { installRoutes, readRoutes } from './toolbox.ts';
import { resolveEnvConfig } from './config.ts';
import { planEnvironment } from './plan.ts';
import { writeDiagnostics } from './diagnostics.ts';
import { putFiles } from './docker-exec.ts';
import { renderInitConfiguration } from './kubeadm-config.ts';
import { labLabels } from './labels.ts';
import { JUMPHOST_IMAGE, NODE_IMAGE } from './versions.ts';
import { createReadStream } from 'node:fs';
import zlib from 'node:zlib';
import tar from 'tar-stream';

/** Every entry of a .tar.gz, in order, with its text. */
async function readTarGz(file: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const extract = tar.extract();
  extract.on('entry', (header, entry, next) => {
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    entry.on('end', () => {
      entries.set(header.name, Buffer.concat(chunks).toString('utf8'));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    createReadStream(file).pipe(zlib.createGunzip()).pipe(extract);
  });
  return entries;
}

const { docker, reason } = await dockerTestBlocker([JUMPHOST_IMAGE, NODE_IMAGE]);
if (reason) console.warn(`[skip] jumphost integration tests: ${reason}`);

const suffix = uniqueSuffix();
const envName = `it-jump-${suffix}`;
const net = testSubnet(9);
const subnet = net.subnet;

/** This test's environment as a full configuration: its own subnet, every fixed address inside it. */
function labConfig() {
  return resolveEnvConfig({
    name: envName,
    network: { name: `labdeck-it-${suffix}`, subnet, gateway: net.ip(1), ipRange: net.ipRange, masquerade: false },
    nodes: [{ name: `m-${suffix}`, role: 'server', ip: net.ip(10) }],
    jumphost: { name: `unused-${suffix}`, ip: net.ip(4) },
    verifier: { name: `verifier-${suffix}`, ip: net.ip(6) },
    registry: { name: `registry-${suffix}`, ip: net.ip(3) },
  });
}

describe.skipIf(reason !== null)('jumphost built from resources/jumphost/Dockerfile, on a real engine', () => {
  let jumphost: StandaloneJumphost;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'labdeck-env-it-'));
    jumphost = await startStandaloneJumphost(docker, { envName, name: `jumphost-${suffix}`, network: `labdeck-it-${suffix}`, subnet, masquerade: false });
  });

  afterAll(async () => {
    await jumphost?.cleanup();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('creates the fixed-subnet network with Labdeck labels and the automatic range kept apart', async () => {
    const info = await docker.getNetwork(jumphost.networkId).inspect();
    expect(info.Labels).toMatchObject({ 'dev.labdeck.managed': 'true', 'dev.labdeck.env': envName });
    expect(info.IPAM?.Config?.[0]).toMatchObject({ Subnet: subnet, Gateway: net.ip(1), IPRange: net.ipRange });
    expect(info.Options).toMatchObject({ 'com.docker.network.bridge.enable_ip_masquerade': 'false' });
    const container = await docker.getContainer(jumphost.containerId).inspect();
    expect(container.NetworkSettings.Networks[`labdeck-it-${suffix}`]?.IPAddress).toBe(net.ip(5));
    expect(container.HostConfig.CapAdd).toEqual(['NET_ADMIN']);
    expect(container.Config.User).toBe('ubuntu');
  });

  it('adds pod and service routes as root with NET_ADMIN; the attendee cannot change them', async () => {
    const routes = [
      { destination: '10.244.1.0/24', via: net.ip(7) },
      { destination: '10.96.0.0/12', via: net.ip(10) },
    ];
    expect(await installRoutes(docker, jumphost.containerId, routes)).toEqual([]);
    // Twice: "after every start" must be safe to repeat.
    expect(await installRoutes(docker, jumphost.containerId, routes)).toEqual([]);
    expect(await readRoutes(docker, jumphost.containerId)).toEqual(expect.arrayContaining(routes));
    const shown = await execCollect(docker, jumphost.containerId, ['ip', 'route'], { timeoutMs: 10_000 });
    expect(shown.output).toContain(`10.244.1.0/24 via ${net.ip(7)}`);
    const asAttendee = await execCollect(docker, jumphost.containerId, ['ip', 'route', 'del', '10.96.0.0/12'], { timeoutMs: 10_000 });
    expect(asAttendee.exitCode).not.toBe(0);
  });

  it('has kubectl with bash completion, and the guide prompt user', async () => {
    const outcome = await execCollect(docker, jumphost.containerId, ['bash', '-ic', 'type __start_kubectl >/dev/null && kubectl version --client >/dev/null && id -un'], { timeoutMs: 20_000 });
    expect(outcome.output.trim().split('\n').pop()).toBe('ubuntu');
    expect(outcome.exitCode).toBe(0);
  });

  it('runs an interactive shell with a TTY whose records Labdeck’s terminal reads, each with its exit code', async () => {
    const records: CommandRecord[] = [];
    const refused: CommandRecord[] = [];
    // The product's recorder, fed as the terminal service feeds it: the keys typed and the shell's output.
    const recorder = terminalRecorderFor({ kind: 'jumphost' }, 1, (record) => records.push(record), { onRefused: (record) => refused.push(record) });
    const shell = await execInteractive(docker, jumphost.containerId, ['bash', '-l'], { cols: 100, rows: 30 });
    let screen = '';
    const decoder = new TextDecoder();
    shell.onData((chunk) => {
      const text = decoder.decode(chunk, { stream: true });
      screen += text;
      recorder.output(text);
    });
    const exited = new Promise<number | null>((resolve) => shell.onExit((code) => resolve(code)));
    const waitFor = async (predicate: () => boolean, what: string) => {
      for (let i = 0; i < 200 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!predicate()) throw new Error(`timed out waiting for ${what}; screen: ${screen.slice(-500)}`);
    };
    const type = async (line: string) => {
      const before = records.length + refused.length;
      recorder.input(`${line}\r`);
      shell.write(`${line}\r`);
      await waitFor(() => records.length + refused.length > before, `the record of ${line}`);
    };
    await waitFor(() => screen.includes('$ '), 'the prompt');
    expect(screen).toMatch(/ubuntu@jumphost-[^:]+:~\$ /);
    await type('echo tty-$((6*7)) && tty');
    expect(screen).toMatch(/\/dev\/pts\/\d+/);
    await type('ls /definitely-missing');
    // Settings that would hide lines from history must not hide them from the record.
    await type('HISTCONTROL=ignoreboth; set -x');
    await type(' echo again');
    await type(' echo again');
    await type('set +x -u; kubectl version --client >/dev/null; echo $NOPE');
    expect(records.map((record) => [record.command, record.exitCode, record.terminal])).toEqual([
      ['echo tty-$((6*7)) && tty', 0, 'jumphost'],
      ['ls /definitely-missing', 2, 'jumphost'],
      ['HISTCONTROL=ignoreboth; set -x', 0, 'jumphost'],
      [' echo again', 0, 'jumphost'],
      [' echo again', 0, 'jumphost'],
      ['set +x -u; kubectl version --client >/dev/null; echo $NOPE', 1, 'jumphost'],
    ]);
    expect(refused).toEqual([]);
    // xtrace stays the attendee's: the recorder's own commands are not traced onto the screen.
    expect(screen).not.toContain('__labdeck_append');
    expect(records[0]?.ran).toEqual([{ command: 'echo tty-$((6*7))', exitCode: 0 }, { command: 'tty', exitCode: 0 }]);
    // Nothing in the jumphost keeps a record the attendee could append to.
    expect((await execCollect(docker, jumphost.containerId, ['ls', '/var/lib/labdeck'], { timeoutMs: 10_000 })).exitCode).not.toBe(0);

    shell.write('exit 3\r');
    expect(await exited).toBe(3);
  });

  it('kill() ends the shell like closing a terminal window', async () => {
    const shell = await execInteractive(docker, jumphost.containerId, ['bash', '-l'], { cols: 80, rows: 24 });
    const exited = new Promise<void>((resolve) => shell.onExit(() => resolve()));
    shell.write('sleep 1000\r');
    await new Promise((resolve) => setTimeout(resolve, 300));
    shell.kill();
    await exited;
    let remaining = '';
    for (let i = 0; i < 50; i++) {
      remaining = (await execCollect(docker, jumphost.containerId, ['pgrep', '-f', 'sleep 1000'], { timeoutMs: 5000 })).output.trim();
      if (!remaining) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(remaining).toBe('');
  });

  it('a planned toolbox container resolves lab names through Docker’s DNS and searches the cluster domains', async () => {
    const verifier = planEnvironment(labConfig(), { token: 't', privilege: 'privileged', apiHostPort: 0, registryHostPort: 0, nodePortHostPorts: {} }).verifier;
    const container = await docker.createContainer(verifier.create);
    try {
      await container.start();
      const resolv = await execCollect(docker, container.id, ['cat', '/etc/resolv.conf'], { timeoutMs: 10_000 });
      expect(resolv.output).toContain('nameserver 127.0.0.11');
      expect(resolv.output).toMatch(/search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
      // Lab containers by name via the embedded DNS, before (and independent of) CoreDNS.
      const lookup = await execCollect(docker, container.id, ['getent', 'hosts', `jumphost-${suffix}`], { timeoutMs: 30_000 });
      expect(lookup.output).toContain(net.ip(5));
    } finally {
      await container.remove({ force: true });
    }
  }, 60_000);

  it('diagnostics writes one archive with engine info, the container log, inspect output and routes', async () => {
    const file = path.join(dataDir, 'diag.tar.gz');
    const entries = await writeDiagnostics(docker, resolveEnvConfig({ name: envName }), file, { note: { purpose: 'test' } });
    const name = `jumphost-${suffix}`;
    expect(entries).toEqual(
      expect.arrayContaining(['note.json', 'docker-info.json', `containers/${name}/inspect.json`, `containers/${name}/log.txt`, `containers/${name}/ip-route.txt`, `containers/${name}/resolv.conf`]),
    );
    const listed = [...(await readTarGz(file)).keys()];
    expect(listed).toEqual(entries);
    expect(listed.indexOf(`containers/${name}/ip-route.txt`)).toBeGreaterThan(0);
  });

  it("diagnostics takes a node's logs, containerd's listing and kubeadm's configuration, with the token masked and no kubeconfig", async () => {
    // A node-like container: the node image idling (no kubeadm here), labelled as this environment's master1,
    // holding what a real one holds: kubeadm's config with the bootstrap token, the logs, kubeadm's admin.conf.
    const token = 'q1w2e3.r4t5y6u7i8o9p0a1';
    const node = `master1-${suffix}`;
    const config = labConfig();
    const container = await docker.createContainer({
      name: node,
      Image: NODE_IMAGE,
      Entrypoint: ['sleep', 'infinity'],
      Labels: labLabels(envName, { 'dev.labdeck.role': 'server', 'dev.labdeck.node': node }),
      HostConfig: { Init: true, CapAdd: ['NET_ADMIN', 'NET_RAW'] },
      NetworkingConfig: { EndpointsConfig: { [`labdeck-it-${suffix}`]: { IPAMConfig: { IPv4Address: net.ip(10) } } } },
    });
    try {
      await container.start();
      await putFiles(docker, container.id, [
        { path: '/etc/labdeck/kubeadm.yaml', content: renderInitConfiguration(config, token), mode: 0o600 },
        { path: '/var/log/labdeck/kubelet.log', content: 'I0101 kubelet started\nE0101 "Failed to ensure lease exists" err="connection refused"\n', mode: 0o644 },
        { path: '/var/log/labdeck/containerd.log', content: 'level=info msg="containerd successfully booted"\n', mode: 0o644 },
        { path: '/var/log/labdeck/kubeadm-init.log', content: `[init] Using Kubernetes version: v1.33.4\n[bootstrap-token] Using token: ${token}\n`, mode: 0o644 },
        { path: '/etc/kubernetes/admin.conf', content: 'apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: Q0E=}\n  name: kubernetes\nusers:\n- name: kubernetes-admin\n  user: {client-certificate-data: Q0VSVA==, client-key-data: QURNSU4tS0VZLU1BUktFUg==}\n', mode: 0o600 },
      ]);
      const file = path.join(dataDir, 'diag-node.tar.gz');
      const entries = await writeDiagnostics(docker, config, file);
      const dir = `containers/${node}`;
      expect(entries).toEqual(
        expect.arrayContaining(
          ['logs/containerd.log', 'logs/kubeadm-init.log', 'logs/kubelet.log', 'kubeadm-config.yaml', 'containerd-containers.txt', 'containerd-tasks.txt', 'iptables-nat.txt', 'ip-route.txt', 'registry-mirror-catalog.json', 'kubectl-get-all.txt', 'kube-flannel-ds-logs.txt'].map(
            (entry) => `${dir}/${entry}`,
          ),
        ),
      );
      const archive = await readTarGz(file);
      expect(archive.get(`${dir}/logs/kubelet.log`)).toContain('Failed to ensure lease exists');
      expect(archive.get(`${dir}/containerd-containers.txt`)).toMatch(/^\$ ctr --connect-timeout 3s --namespace k8s.io containers ls\n# exit \d+\n/);
      expect(archive.get(`${dir}/iptables-nat.txt`)).toMatch(/^\$ iptables-save -t nat\n# exit 0\n/);
      const kubeadm = archive.get(`${dir}/kubeadm-config.yaml`) ?? '';
      expect(kubeadm).toContain('# /etc/labdeck/kubeadm.yaml');
      expect(kubeadm).toContain('podSubnet: 10.244.0.0/16');
      expect(kubeadm).toContain('token: <hidden>');
      expect(archive.get(`${dir}/logs/kubeadm-init.log`)).toContain('Using token: <hidden>');
      for (const [entry, text] of archive) {
        expect(text, entry).not.toContain(token);
        expect(text, entry).not.toContain(token.slice(7));
        // admin.conf is read in place by kubectl, never copied out.
        expect(text, entry).not.toContain('QURNSU4tS0VZLU1BUktFUg==');
      }
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }, 120_000);

  it('a new EnvironmentService (backend restart) finds the jumphost by its labels', async () => {
    const events: { name: EventName; payload: unknown }[] = [];
    const restarted = new EnvironmentService({
      events: { emit: <K extends EventName>(name: K, payload: EventPayload<K>) => events.push({ name, payload }) },
      dataDir,
      config: { name: envName },
    });
    const started = Date.now();
    expect(await restarted.containers.containerFor({ kind: 'jumphost' })).toBe(jumphost.containerId);
    const status = await restarted.status();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(status.nodes).toEqual([expect.objectContaining({ name: `jumphost-${suffix}`, role: 'jumphost', containerState: 'running', ip: net.ip(5) })]);
    // No nodes exist, so the environment is incomplete, and says what to do.
    expect(status.state).toBe('degraded');
    expect(status.action).toMatch(/labdeck env (up|reset)/);
    await expect(restarted.resume()).rejects.toMatchObject({ code: 'not-found' });
    await restarted.dispose();
  });
});
