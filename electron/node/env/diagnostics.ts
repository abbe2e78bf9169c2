import fs from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { EnvConfig } from './config.ts';
import { execCollect } from './docker-exec.ts';
import { listLabContainers } from './lab-containers.ts';
import { maskText, maskValue } from './secret-mask.ts';

/** Commands whose output helps most when a lab cluster misbehaves, per container role. */
const NODE_COMMANDS: Record<string, string[]> = {
  'ip-route.txt': ['ip', 'route'],
  'ip-addr.txt': ['ip', 'addr'],
  'iptables-save.txt': ['iptables-save'],
  'k3s-config.yaml': ['cat', '/etc/rancher/k3s/config.yaml'],
  'resolv.conf': ['cat', '/etc/resolv.conf'],
};
const SERVER_COMMANDS: Record<string, string[]> = {
  'kubectl-get-all.txt': ['kubectl', 'get', 'all', '-A', '-o', 'wide'],
  'kubectl-get-nodes.yaml': ['kubectl', 'get', 'nodes', '-o', 'yaml'],
  'kubectl-get-events.txt': ['kubectl', 'get', 'events', '-A', '--sort-by=.lastTimestamp'],
};
const TOOLBOX_COMMANDS: Record<string, string[]> = {
  'ip-route.txt': ['ip', 'route'],
  'resolv.conf': ['cat', '/etc/resolv.conf'],
  'commands.jsonl': ['cat', '/var/lib/labdeck/commands.jsonl'],
};

/**
 * Writes one .tar.gz with everything needed to understand a broken environment: engine info, each lab
 * container's inspect output and log, and the routes, iptables and cluster objects as the nodes see them.
 * Secrets stay out: no kubeconfigs, and everything written passes through secret-mask.ts (K3S_TOKEN and
 * other secret-named variables, credentials in proxy and other URLs, k3s token settings).
 */
export async function writeDiagnostics(docker: Docker, config: EnvConfig, file: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  const pack = tar.pack();
  const written = pipeline(pack, zlib.createGzip(), fs.createWriteStream(file));
  const entries: string[] = [];
  const add = (name: string, content: string) => {
    pack.entry({ name, mode: 0o644, mtime: new Date() }, maskText(content));
    entries.push(name);
  };
  const addJson = (name: string, value: unknown) => add(name, JSON.stringify(maskValue(value), null, 2));
  for (const [name, value] of Object.entries(extra)) addJson(`${name}.json`, value);
  try {
    addJson('docker-info.json', await docker.info());
    addJson('docker-version.json', await docker.version());
    for (const container of await listLabContainers(docker, config.name)) {
      const dir = `containers/${container.name}`;
      const info = await docker.getContainer(container.id).inspect();
      addJson(`${dir}/inspect.json`, info);
      add(`${dir}/log.txt`, await containerLog(docker, container.id));
      if (container.state !== 'running') continue;
      const commands =
        container.role === 'server'
          ? { ...NODE_COMMANDS, ...SERVER_COMMANDS }
          : container.role === 'agent'
            ? NODE_COMMANDS
            : TOOLBOX_COMMANDS;
      for (const [name, argv] of Object.entries(commands)) {
        const outcome = await execCollect(docker, container.id, argv, { timeoutMs: 20_000, user: 'root' });
        add(`${dir}/${name}`, `$ ${argv.join(' ')}\n# exit ${outcome.exitCode}\n${outcome.output}`);
      }
    }
  } catch (error) {
    add('error.txt', error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  pack.finalize();
  await written;
  return entries;
}

async function containerLog(docker: Docker, id: string): Promise<string> {
  const stream = (await docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, tail: 5000, timestamps: true })) as unknown as Readable;
  const text = new PassThrough();
  const chunks: Buffer[] = [];
  text.on('data', (chunk: Buffer) => chunks.push(chunk));
  docker.modem.demuxStream(stream, text, text);
  // A running container's log never ends when followed; take what is there after a short moment.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1500);
    stream.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  (stream as Readable).destroy();
  return Buffer.concat(chunks).toString('utf8');
}
