import fs from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { EnvConfig } from './config.ts';
import { execCollect } from './docker-exec.ts';
import { ADMIN_KUBECONFIG_PATH, NODE_LOG_DIR, REGISTRY_PORT } from './kubeadm-config.ts';
import { AUDIT_LOG_PATH } from './api-audit-config.ts';
import { listLabContainers } from './lab-containers.ts';
import type { LabRole } from './labels.ts';
import { maskText, maskValue } from './secret-mask.ts';

/** The last lines taken of each log in a node's /var/log/labdeck (the kubelet's grows fast while kubeadm works). */
const NODE_LOG_LINES = 5000;
const CTR = ['ctr', '--connect-timeout', '3s', '--namespace', 'k8s.io'];
/** The kubectl of a node, with kubeadm's admin kubeconfig (read in place, never copied into the archive). */
const KUBECTL = ['kubectl', `--kubeconfig=${ADMIN_KUBECONFIG_PATH}`];

/**
 * Commands whose output helps most when a lab cluster misbehaves, per container role. Nothing here prints a
 * kubeconfig or a key; kubeadm's configuration files hold the bootstrap token, which secret-mask.ts hides.
 */
function nodeCommands(config: EnvConfig): Record<string, string[]> {
  return {
    'ip-route.txt': ['ip', 'route'],
    'ip-addr.txt': ['ip', 'addr'],
    'iptables-nat.txt': ['iptables-save', '-t', 'nat'],
    'iptables-filter.txt': ['iptables-save', '-t', 'filter'],
    'resolv.conf': ['cat', '/etc/resolv.conf'],
    // containerd's own view, without crictl: what the kubelet asked it to run. A containerd that is down
    // answers after the connect timeout, not ctr's default 10 s.
    'containerd-containers.txt': [...CTR, 'containers', 'ls'],
    'containerd-tasks.txt': [...CTR, 'tasks', 'ls'],
    'containerd-images.txt': [...CTR, 'images', 'ls', '-q'],
    'processes.txt': ['ps', '-eo', 'pid,ppid,stat,etime,rss,args'],
    'kubeadm-config.yaml': ['bash', '-c', 'for file in /etc/labdeck/kubeadm*.yaml; do [ -e "$file" ] && echo "# $file" && cat "$file"; done; true'],
    'registry-mirror-hosts.toml': ['bash', '-c', 'for file in /etc/containerd/certs.d/*/hosts.toml; do [ -e "$file" ] && echo "# $file" && cat "$file"; done; true'],
    // The images the registry mirror holds, asked from the node: also says whether the node reaches it.
    'registry-mirror-catalog.json': ['curl', '-sS', '--max-time', '5', `http://${config.registry.ip}:${REGISTRY_PORT}/v2/_catalog`],
  };
}
const SERVER_COMMANDS: Record<string, string[]> = {
  'kubectl-get-all.txt': [...KUBECTL, 'get', 'all', '-A', '-o', 'wide'],
  'kubectl-get-nodes.yaml': [...KUBECTL, 'get', 'nodes', '-o', 'yaml'],
  'kubectl-get-events.txt': [...KUBECTL, 'get', 'events', '-A', '--sort-by=.lastTimestamp'],
  'kube-flannel-ds-logs.txt': [...KUBECTL, '-n', 'kube-system', 'logs', '-l', 'app=flannel', '--all-containers', '--prefix', '--tail=500'],
  'kube-proxy-logs.txt': [...KUBECTL, '-n', 'kube-system', 'logs', '-l', 'k8s-app=kube-proxy', '--prefix', '--tail=500'],
  'coredns-logs.txt': [...KUBECTL, '-n', 'kube-system', 'logs', '-l', 'k8s-app=kube-dns', '--prefix', '--tail=500'],
  // The API requests the check engine matched kubectl lines against (metadata only: no bodies, no tokens).
  'api-audit-tail.jsonl': ['tail', '-n', '500', AUDIT_LOG_PATH],
};
const TOOLBOX_COMMANDS: Record<string, string[]> = {
  'ip-route.txt': ['ip', 'route'],
  'resolv.conf': ['cat', '/etc/resolv.conf'],
};

function commandsFor(role: LabRole, config: EnvConfig): Record<string, string[]> {
  if (role === 'server') return { ...nodeCommands(config), ...SERVER_COMMANDS };
  if (role === 'agent') return nodeCommands(config);
  if (role === 'jumphost' || role === 'verifier') return TOOLBOX_COMMANDS;
  // The registry mirror's image has no shell: its inspect output and log say what it did.
  return {};
}

/**
 * Writes one .tar.gz with everything needed to understand a broken environment: engine info, each lab
 * container's inspect output and log; from each node its logs in /var/log/labdeck (kubelet, containerd,
 * kubeadm-*, the last lines), containerd's containers, routes, iptables and kubeadm's configuration; from the
 * control-plane node the cluster's objects, events and the flannel, kube-proxy and CoreDNS logs.
 * Secrets stay out: no kubeconfigs, and everything written passes through secret-mask.ts (kubeadm's
 * bootstrap token wherever it appears, token settings, secret-named variables, credentials in proxy and
 * other URLs, private keys).
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
      for (const [name, argv] of Object.entries(commandsFor(container.role, config))) {
        const outcome = await execCollect(docker, container.id, argv, { timeoutMs: 20_000, user: 'root' });
        add(`${dir}/${name}`, `$ ${argv.join(' ')}\n# exit ${outcome.exitCode}\n${outcome.output}`);
      }
      if (container.role === 'server' || container.role === 'agent') {
        for (const log of await nodeLogFiles(docker, container.id)) {
          const outcome = await execCollect(docker, container.id, ['tail', '-n', String(NODE_LOG_LINES), `${NODE_LOG_DIR}/${log}`], { timeoutMs: 20_000, user: 'root' });
          add(`${dir}/logs/${log}`, outcome.output);
        }
      }
    }
  } catch (error) {
    add('error.txt', error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  pack.finalize();
  await written;
  return entries;
}

/** The log files in a node's /var/log/labdeck (kubelet.log, containerd.log, kubeadm-init.log, …). */
async function nodeLogFiles(docker: Docker, id: string): Promise<string[]> {
  const listing = await execCollect(docker, id, ['ls', '-1', NODE_LOG_DIR], { timeoutMs: 10_000, user: 'root' });
  if (listing.exitCode !== 0) return [];
  return listing.output.split('\n').filter((name) => /^[\w.-]+\.log$/.test(name)).sort();
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
