import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/api/contract.ts';
import type { CommandRecord } from '../checks/check-world.ts';
import { execCollect, execInteractive } from './docker-exec.ts';
import { EnvironmentService } from './environment-service.ts';
import { startStandaloneJumphost, type StandaloneJumphost } from './standalone-jumphost.ts';
import { dockerTestBlocker, uniqueSuffix } from './test-docker.ts';
import { installRoutes, readRoutes } from './toolbox.ts';
import { resolveEnvConfig } from './config.ts';
import { planEnvironment } from './plan.ts';
import { writeDiagnostics } from './diagnostics.ts';
import { createReadStream } from 'node:fs';
import zlib from 'node:zlib';
import tar from 'tar-stream';

async function listTarGz(file: string): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, entry, next) => {
    names.push(header.name);
    entry.on('end', next);
    entry.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    createReadStream(file).pipe(zlib.createGunzip()).pipe(extract);
  });
  return names;
}

const { docker, reason } = await dockerTestBlocker();
if (reason) console.warn(`[skip] jumphost integration tests: ${reason}`);

const suffix = uniqueSuffix();
const envName = `it-jump-${suffix}`;
const third = 200 + (process.pid % 50);
const subnet = `10.${third}.7.0/24`;

describe.skipIf(reason !== null)('jumphost built from resources/jumphost/Dockerfile, on a real engine', () => {
  let jumphost: StandaloneJumphost;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'labdeck-env-it-'));
    jumphost = await startStandaloneJumphost(docker, { envName, name: `jumphost-${suffix}`, network: `labdeck-it-${suffix}`, subnet });
  });

  afterAll(async () => {
    await jumphost?.cleanup();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('creates the fixed-subnet network with Labdeck labels and the automatic range kept apart', async () => {
    const info = await docker.getNetwork(jumphost.networkId).inspect();
    expect(info.Labels).toMatchObject({ 'dev.labdeck.managed': 'true', 'dev.labdeck.env': envName });
    expect(info.IPAM?.Config?.[0]).toMatchObject({ Subnet: subnet, Gateway: `10.${third}.7.1`, IPRange: `10.${third}.7.128/25` });
    const container = await docker.getContainer(jumphost.containerId).inspect();
    expect(container.NetworkSettings.Networks[`labdeck-it-${suffix}`]?.IPAddress).toBe(`10.${third}.7.5`);
    expect(container.HostConfig.CapAdd).toEqual(['NET_ADMIN']);
    expect(container.Config.User).toBe('ubuntu');
  });

  it('adds pod and service routes as root with NET_ADMIN; the attendee cannot change them', async () => {
    const routes = [
      { destination: '10.244.1.0/24', via: `10.${third}.7.7` },
      { destination: '10.96.0.0/12', via: `10.${third}.7.10` },
    ];
    expect(await installRoutes(docker, jumphost.containerId, routes)).toEqual([]);
    // Twice: "after every start" must be safe to repeat.
    expect(await installRoutes(docker, jumphost.containerId, routes)).toEqual([]);
    expect(await readRoutes(docker, jumphost.containerId)).toEqual(expect.arrayContaining(routes));
    const shown = await execCollect(docker, jumphost.containerId, ['ip', 'route'], { timeoutMs: 10_000 });
    expect(shown.output).toContain(`10.244.1.0/24 via 10.${third}.7.7`);
    const asAttendee = await execCollect(docker, jumphost.containerId, ['ip', 'route', 'del', '10.96.0.0/12'], { timeoutMs: 10_000 });
    expect(asAttendee.exitCode).not.toBe(0);
  });

  it('has kubectl with bash completion, and the guide prompt user', async () => {
    const outcome = await execCollect(docker, jumphost.containerId, ['bash', '-ic', 'type __start_kubectl >/dev/null && kubectl version --client >/dev/null && id -un'], { timeoutMs: 20_000 });
    expect(outcome.output.trim().split('\n').pop()).toBe('ubuntu');
    expect(outcome.exitCode).toBe(0);
  });

  it('runs an interactive shell with a TTY and records each command line with its exit code', async () => {
    const service = new EnvironmentService({ events: { emit: () => undefined }, dataDir, config: { name: envName } });
    const updates: CommandRecord[][] = [];
    const unsubscribe = service.commandLog.subscribe((records) => updates.push(records));
    const shell = await execInteractive(docker, jumphost.containerId, ['bash', '-l'], { cols: 100, rows: 30, env: ['LABDECK_SESSION=t1'] });
    let screen = '';
    shell.onData((chunk) => {
      screen += Buffer.from(chunk).toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => shell.onExit((code) => resolve(code)));
    const waitFor = async (predicate: () => boolean, what: string) => {
      for (let i = 0; i < 200 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!predicate()) throw new Error(`timed out waiting for ${what}; screen: ${screen.slice(-500)}`);
    };
    await waitFor(() => screen.includes('$ '), 'the prompt');
    expect(screen).toMatch(/ubuntu@jumphost-[^:]+:~\$ /);
    shell.write('echo tty-$((6*7)) && tty\r');
    await waitFor(() => screen.includes('tty-42'), 'command output');
    await waitFor(() => /\/dev\/pts\/\d+/.test(screen), 'a pseudo-terminal');
    shell.write('ls /definitely-missing\r');
    // Settings that would hide lines from history must not hide them from the record.
    shell.write('HISTCONTROL=ignoreboth; set -x\r');
    shell.write(' echo again\r');
    shell.write(' echo again\r');
    shell.write('set +x -u; kubectl version --client >/dev/null; echo $NOPE\r');
    await waitFor(() => updates.some((records) => records.some((record) => record.command.startsWith('set +x -u'))), 'the recorded lines');
    const records = updates.at(-1) ?? [];
    expect(records.map((record) => [record.command, record.exitCode])).toEqual([
      ['echo tty-$((6*7)) && tty', 0],
      ['ls /definitely-missing', 2],
      ['HISTCONTROL=ignoreboth; set -x', 0],
      [' echo again', 0],
      [' echo again', 0],
      ['set +x -u; kubectl version --client >/dev/null; echo $NOPE', 1],
    ]);
    // xtrace stays the attendee's: the recorder's own commands are not traced onto the screen.
    expect(screen).not.toContain('__labdeck_append');
    expect(Date.parse(records[0]?.time ?? '')).not.toBeNaN();
    expect(await service.commandLog.read()).toEqual(records);

    shell.write('exit 3\r');
    expect(await exited).toBe(3);
    unsubscribe();
    await service.dispose();
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
    const config = resolveEnvConfig({
      name: envName,
      network: { name: `labdeck-it-${suffix}`, subnet, gateway: `10.${third}.7.1`, ipRange: `10.${third}.7.128/25` },
      nodes: [{ name: `m-${suffix}`, role: 'server', ip: `10.${third}.7.10` }],
      jumphost: { name: `unused-${suffix}`, ip: `10.${third}.7.4` },
      verifier: { name: `verifier-${suffix}`, ip: `10.${third}.7.6` },
    });
    const verifier = planEnvironment(config, { token: 't', apiHostPort: 0, nodePortHostPorts: {} }).verifier;
    const container = await docker.createContainer(verifier.create);
    try {
      await container.start();
      const resolv = await execCollect(docker, container.id, ['cat', '/etc/resolv.conf'], { timeoutMs: 10_000 });
      expect(resolv.output).toContain('nameserver 127.0.0.11');
      expect(resolv.output).toMatch(/search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
      // Lab containers by name via the embedded DNS, before (and independent of) CoreDNS.
      const lookup = await execCollect(docker, container.id, ['getent', 'hosts', `jumphost-${suffix}`], { timeoutMs: 30_000 });
      expect(lookup.output).toContain(`10.${third}.7.5`);
    } finally {
      await container.remove({ force: true });
    }
  }, 60_000);

  it('diagnostics writes one archive with engine info, the container log, inspect output and routes', async () => {
    const file = path.join(dataDir, 'diag.tar.gz');
    const entries = await writeDiagnostics(docker, resolveEnvConfig({ name: envName }), file, { note: { purpose: 'test' } });
    const name = `jumphost-${suffix}`;
    expect(entries).toEqual(
      expect.arrayContaining(['note.json', 'docker-info.json', `containers/${name}/inspect.json`, `containers/${name}/log.txt`, `containers/${name}/ip-route.txt`, `containers/${name}/commands.jsonl`]),
    );
    const listed = await listTarGz(file);
    expect(listed).toEqual(entries);
    const routes = listed.indexOf(`containers/${name}/ip-route.txt`);
    expect(routes).toBeGreaterThan(0);
  });

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
    expect(status.nodes).toEqual([expect.objectContaining({ name: `jumphost-${suffix}`, role: 'jumphost', containerState: 'running', ip: `10.${third}.7.5` })]);
    // No nodes exist, so the environment is incomplete, and says what to do.
    expect(status.state).toBe('degraded');
    expect(status.action).toMatch(/labdeck env (up|reset)/);
    await expect(restarted.resume()).rejects.toMatchObject({ code: 'not-found' });
    await restarted.dispose();
  });
});
