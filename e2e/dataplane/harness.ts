import crypto from 'node:crypto';
import type Docker from 'dockerode';
import type { ExecOutcome } from '../../electron/node/backend/ports.ts';
import { execCollect, putFiles } from '../../electron/node/env/docker-exec.ts';
import { K3S_CONFIG_PATH } from '../../electron/node/env/k3s-config.ts';
import { DockerLabContainers } from '../../electron/node/env/lab-containers.ts';
import { LABEL_ENV, LABEL_MANAGED, LABEL_NODE, LABEL_ROLE, labLabels } from '../../electron/node/env/labels.ts';
import { jumphostRoutes, routeCommands } from '../../electron/node/env/routes.ts';
import { JUMPHOST_IMAGE } from '../../electron/node/env/versions.ts';
import { DNS_CONFIG_DIR, DNS_CONFIG_FILE, dnsFiles, nodeResolvConf, podResolvConf } from './dns-zones.ts';
import { DATAPLANE_IMAGES, podImage } from './images.ts';
import { KUBE_PROXY_JUMPS, kubeProxyTables, restoreInput } from './kube-proxy-rules.ts';
import { podDefaultGateway } from './kube-objects.ts';
import { findNode, podGateway, prefixLength, type World, type WorldNode, type WorldPod } from './world.ts';

/** Marks every Docker object of a harness run, next to Labdeck's managed/env labels (labels.ts). */
export const LABEL_DATAPLANE = 'dev.labdeck.dataplane';
/** The pid of the test process that owns a run; a later run removes runs whose process is gone. */
export const LABEL_DATAPLANE_PID = 'dev.labdeck.dataplane.pid';
/** namespace/name of the pod a container stands for. */
export const LABEL_DATAPLANE_POD = 'dev.labdeck.dataplane.pod';
/** Hash of what the container was created from; a pod whose spec changed is recreated. */
const LABEL_DATAPLANE_SPEC = 'dev.labdeck.dataplane.spec';

export type HarnessTarget = { verifier: true } | { jumphost: true } | { node: string } | { pod: { namespace: string; name: string } };

const SETUP_TIMEOUT_MS = 30_000;

/** A command that succeeds once the pod's server answers, per image (busybox pods have nothing to wait for). */
const READINESS: Partial<Record<WorldPod['image'], string[]>> = {
  // nginx writes its pid file once the master process has bound its sockets.
  nginx: ['test', '-s', '/run/nginx.pid'],
  // Zones load in the background after knotd starts: ready once cluster.local answers with its SOA.
  dns: ['sh', '-c', 'kdig +short +timeout=1 +retry=0 @127.0.0.1 cluster.local SOA | grep -q hostmaster'],
};

/**
 * Makes a World real in Docker: one container per node (iptables, ip_forward, host-gw routes, kube-proxy's
 * chains), one per pod (busybox, nginx or the DNS server) on its node's pod bridge, and the verifier and
 * jumphost (the product's jumphost image) on the lab network, all with NET_ADMIN and without privileges.
 *
 * Addressing: Docker picks the subnets of the harness's bridge networks itself (so they never collide with
 * the host's), then each container drops its Docker address and takes the world's: 10.1.1.x on the lab
 * bridge, 10.244.n.x on its node's pod bridge (the node holds .1 there, on an interface renamed cni0). The
 * bridges are plain layer 2 between the containers; nothing is routed to the Docker gateway, so no packet
 * ever leaves the harness's own networks.
 *
 * `apply(world)` reconciles a running harness to another world (pods created or removed, routes, iptables,
 * DNS zones, k3s config files), which is what makes "wrong worlds" cheap: one harness serves every test.
 */
export class DataplaneHarness {
  readonly envName: string;
  /** The product's own container lookup, finding nodes and the verifier by Labdeck's labels. */
  readonly containers: DockerLabContainers;
  readonly #docker: Docker;
  readonly #labNetwork: string;
  readonly #podNetworks = new Map<string, string>();
  readonly #nodeContainers = new Map<string, string>();
  #verifier = '';
  #jumphost = '';
  #world: World;
  #dnsApplied = '';
  #dnsSerial = 1;
  /** The world last applied completely, to skip re-applying the same one. */
  #applied = '';

  private constructor(docker: Docker, envName: string, world: World) {
    this.#docker = docker;
    this.envName = envName;
    this.containers = new DockerLabContainers(docker, envName);
    this.#labNetwork = `${envName}-lab`;
    this.#world = world;
  }

  /** Creates networks, nodes, verifier and jumphost, then applies the world. Cleans up after itself on failure. */
  static async start(docker: Docker, world: World, options: { envName: string }): Promise<DataplaneHarness> {
    await removeAbandonedRuns(docker);
    const harness = new DataplaneHarness(docker, options.envName, world);
    try {
      await harness.#createNetworks();
      await Promise.all([...world.nodes.map((node) => harness.#startNode(node)), harness.#startToolbox('verifier'), harness.#startToolbox('jumphost')]);
      await harness.apply(world);
      return harness;
    } catch (error) {
      await harness.stop();
      throw error;
    }
  }

  get world(): World {
    return this.#world;
  }

  /** Reconciles the running containers to `world`. The nodes must stay the same for the harness's lifetime. */
  async apply(world: World): Promise<void> {
    if (nodeKey(world) !== nodeKey(this.#world)) throw new Error('a harness keeps its nodes: start another harness for a different node set');
    if (this.#applied === JSON.stringify(world)) return;
    this.#world = world;
    await this.#reconcilePods(world);
    await Promise.all([...world.nodes.map((node) => this.#configureNodeState(world, node)), this.#applyDns(world)]);
    this.#applied = JSON.stringify(world);
  }

  /** Runs argv in a harness container, as the product's probes do (no TTY, stdout and stderr together). */
  async exec(target: HarnessTarget, argv: string[], options: { timeoutMs?: number; user?: string } = {}): Promise<ExecOutcome> {
    const id = await this.containerId(target);
    return execCollect(this.#docker, id, argv, { timeoutMs: options.timeoutMs ?? 15_000, ...(options.user ? { user: options.user } : {}) });
  }

  async containerId(target: HarnessTarget): Promise<string> {
    if ('verifier' in target) return this.#verifier;
    if ('jumphost' in target) return this.#jumphost;
    if ('node' in target) {
      const id = this.#nodeContainers.get(target.node);
      if (!id) throw new Error(`no node ${target.node} in this harness`);
      return id;
    }
    const id = (await this.#podContainers()).get(`${target.pod.namespace}/${target.pod.name}`)?.id;
    if (!id) throw new Error(`no pod ${target.pod.namespace}/${target.pod.name} in this harness`);
    return id;
  }

  /** A pod's log (nginx writes its access log to stdout), what `kubectl logs` shows. */
  async podLogs(namespace: string, name: string): Promise<string> {
    const id = await this.containerId({ pod: { namespace, name } });
    const raw = (await this.#docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return demuxLogs(raw);
  }

  /** Removes every container and network of this run (found by its env label only). */
  async stop(): Promise<void> {
    await removeRun(this.#docker, this.envName);
  }

  // ---- creation ----

  #labels(extra: Record<string, string>): Record<string, string> {
    return labLabels(this.envName, { [LABEL_DATAPLANE]: 'true', [LABEL_DATAPLANE_PID]: String(process.pid), ...extra });
  }

  async #createNetworks(): Promise<void> {
    const create = async (name: string): Promise<void> => {
      await this.#docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Labels: this.#labels({}),
        // No NAT to the outside even if a packet reached the gateway (none does: containers drop their Docker
        // addresses and routes). An internal network is not usable: Docker's isolation rules drop bridged
        // packets whose addresses are outside the Docker subnet, and the world's addresses always are.
        Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
      });
    };
    await create(this.#labNetwork);
    for (const node of this.#world.nodes) {
      const name = `${this.envName}-pods-${node.name}`;
      await create(name);
      this.#podNetworks.set(node.name, name);
    }
  }

  async #startNode(node: WorldNode): Promise<void> {
    const podNetwork = this.#podNetworks.get(node.name) ?? '';
    const container = await this.#docker.createContainer({
      name: `${this.envName}-${node.name}`,
      Hostname: node.name,
      Image: DATAPLANE_IMAGES.node,
      Labels: this.#labels({ [LABEL_ROLE]: node.role, [LABEL_NODE]: node.name }),
      // No ICMP redirects: pods reach every other pod through the node (see #startPod), and a redirect would send
      // a pod straight to a Service's endpoint, past the DNAT its replies need.
      HostConfig: {
        Init: true,
        CapAdd: ['NET_ADMIN'],
        Sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.send_redirects': '0', 'net.ipv4.conf.default.send_redirects': '0' },
        NetworkMode: this.#labNetwork,
      },
    });
    await this.#docker.getNetwork(podNetwork).connect({ Container: container.id });
    await container.start();
    this.#nodeContainers.set(node.name, container.id);
    const info = await container.inspect();
    const labMac = info.NetworkSettings.Networks[this.#labNetwork]?.MacAddress ?? '';
    const dockerIp = info.NetworkSettings.Networks[this.#labNetwork]?.IPAddress ?? '';
    const podMac = info.NetworkSettings.Networks[podNetwork]?.MacAddress ?? '';
    const script = [
      'set -e',
      ifaceByMac('LAB', labMac),
      ifaceByMac('POD', podMac),
      'ip addr flush dev "$LAB"',
      `ip addr add ${node.ip}/24 dev "$LAB"`,
      // flannel's bridge is cni0; naming it so makes `ip route` read as on a k3s node.
      'ip link set "$POD" down',
      'ip link set "$POD" name cni0',
      'ip link set cni0 up',
      'ip addr flush dev cni0',
      `ip addr add ${podGateway(node.podCidr)}/${prefixLength(node.podCidr)} dev cni0`,
      `ip route replace default via ${this.#world.gateway} dev "$LAB"`,
      hostsEntry(dockerIp, node.ip),
    ].join('\n');
    await this.#run(container.id, ['sh', '-c', script], `set up node ${node.name}`);
  }

  async #startToolbox(role: 'verifier' | 'jumphost'): Promise<void> {
    const world = this.#world;
    const domain = world.clusterDomain;
    const ip = role === 'verifier' ? world.verifierIp : world.jumphostIp;
    const container = await this.#docker.createContainer({
      name: `${this.envName}-${role}`,
      Hostname: role,
      Image: JUMPHOST_IMAGE,
      Cmd: ['sleep', 'infinity'],
      Labels: this.#labels({ [LABEL_ROLE]: role }),
      HostConfig: {
        Init: true,
        CapAdd: ['NET_ADMIN'],
        NetworkMode: this.#labNetwork,
        // As the product's plan (plan.ts planToolbox): Docker's embedded DNS with CoreDNS's address upstream.
        Dns: [world.clusterDns],
        DnsSearch: [`default.svc.${domain}`, `svc.${domain}`, domain],
        // On the product's network Docker's DNS answers node names with their lab addresses; here the
        // containers hold those addresses beside Docker's, so the names are pinned the same way.
        ExtraHosts: world.nodes.map((node) => `${node.name}:${node.ip}`),
      },
    });
    await container.start();
    if (role === 'verifier') this.#verifier = container.id;
    else this.#jumphost = container.id;
    const endpoint = (await container.inspect()).NetworkSettings.Networks[this.#labNetwork];
    const mac = endpoint?.MacAddress ?? '';
    const server = world.nodes.find((node) => node.role === 'server') ?? world.nodes[0];
    // The product's own jumphost routes (routes.ts): each node's pod range via that node, services via master1.
    const routes = routeCommands(jumphostRoutes(world.nodes.map((node) => ({ name: node.name, ip: node.ip, podCIDR: node.podCidr })), world.serviceCidr, server?.ip ?? ''));
    const script = ['set -e', ifaceByMac('LAB', mac), 'ip addr flush dev "$LAB"', `ip addr add ${ip}/24 dev "$LAB"`, `ip route replace default via ${world.gateway} dev "$LAB"`, hostsEntry(endpoint?.IPAddress ?? '', ip), ...routes.map((argv) => argv.join(' '))].join('\n');
    await this.#run(container.id, ['sh', '-c', script], `set up the ${role}`, 'root');
  }

  // ---- pods ----

  async #podContainers(): Promise<Map<string, { id: string; spec: string }>> {
    const list = await this.#docker.listContainers({ all: true, filters: { label: [`${LABEL_ENV}=${this.envName}`, LABEL_DATAPLANE_POD] } });
    return new Map(list.map((container) => [container.Labels[LABEL_DATAPLANE_POD] ?? '', { id: container.Id, spec: container.Labels[LABEL_DATAPLANE_SPEC] ?? '' }]));
  }

  async #reconcilePods(world: World): Promise<void> {
    const running = await this.#podContainers();
    const wanted = new Map(world.pods.map((pod) => [`${pod.namespace}/${pod.name}`, pod]));
    const removals = [...running.entries()]
      .filter(([key, container]) => {
        const pod = wanted.get(key);
        return !pod || podSpecHash(world, pod) !== container.spec;
      })
      .map(([, container]) => this.#docker.getContainer(container.id).remove({ force: true, v: true }));
    await Promise.all(removals);
    const creations = world.pods.filter((pod) => running.get(`${pod.namespace}/${pod.name}`)?.spec !== podSpecHash(world, pod));
    await Promise.all(creations.map((pod) => this.#startPod(world, pod)));
  }

  async #startPod(world: World, pod: WorldPod): Promise<void> {
    const network = this.#podNetworks.get(pod.node);
    if (!network) throw new Error(`pod ${pod.namespace}/${pod.name} is on node ${pod.node}, which this harness does not have`);
    const container = await this.#docker.createContainer({
      name: `${this.envName}-pod-${pod.namespace}-${pod.name}`,
      Hostname: pod.name.slice(0, 63),
      Image: podImage(pod.image),
      Labels: this.#labels({ [LABEL_DATAPLANE_POD]: `${pod.namespace}/${pod.name}`, [LABEL_DATAPLANE_SPEC]: podSpecHash(world, pod) }),
      // The MAC the CNI bridge plugin gives a pod (0a:58 and the four bytes of its address). A pod created again
      // at an address another pod had keeps that MAC, so the node's and the other pods' ARP caches stay right;
      // with Docker's random MAC they would send to the old container until the entry went stale.
      MacAddress: podMac(pod.ip),
      // NET_ADMIN only so that the harness can give the pod its address; the probes never need it.
      HostConfig: { Init: true, CapAdd: ['NET_ADMIN'], NetworkMode: network },
    });
    if (pod.image === 'dns') {
      // knotd reads its configuration when it starts: the files go in before.
      const files = dnsFiles(world, this.#dnsSerial).files;
      await putFiles(this.#docker, container.id, Object.entries(files).map(([name, content]) => ({ path: `${DNS_CONFIG_DIR}/${name}`, content, mode: 0o644 })));
      this.#dnsApplied = dnsKey(world);
    }
    await container.start();
    const endpoint = (await container.inspect()).NetworkSettings.Networks[network];
    const mac = endpoint?.MacAddress ?? '';
    const node = findNode(world, pod.node);
    const resolv = (pod.dnsPolicy ?? 'ClusterFirst') === 'ClusterFirst' ? podResolvConf(world, pod.namespace) : nodeResolvConf(world);
    const script = [
      'set -e',
      ifaceByMac('IF', mac),
      'busybox ip addr flush dev "$IF"',
      // A /32 with the node as the only next hop, even to pods beside it: in k3s the pods of a node share
      // flannel's cni0 bridge, but bridged traffic still passes the node's iptables (br_netfilter), so a reply
      // from a Service endpoint on the same node is translated back. Docker's bridge is outside the node's
      // namespace; routing through the node gives the same translation.
      `busybox ip addr add ${pod.ip}/32 dev "$IF"`,
      `busybox ip route add ${podDefaultGateway(world, pod.node)} dev "$IF" scope link`,
      `busybox ip route add default via ${podDefaultGateway(world, pod.node)} dev "$IF"`,
      `printf '%s' '${resolv}' > /etc/resolv.conf`,
      hostsEntry(endpoint?.IPAddress ?? '', pod.ip),
    ].join('\n');
    // busybox's own sh: the nginx and DNS images have dash as /bin/sh, the busybox pod has nothing else.
    await this.#run(container.id, ['/bin/busybox', 'sh', '-c', script], `set up pod ${pod.namespace}/${pod.name}`);
    await this.#waitUntilReady(container.id, pod);
  }

  /** Like a readiness probe: a probe must not race a server that is still starting on a busy machine. */
  async #waitUntilReady(id: string, pod: WorldPod): Promise<void> {
    const check = READINESS[pod.image];
    if (!check) return;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const outcome = await execCollect(this.#docker, id, check, { timeoutMs: 5_000 });
      if (outcome.exitCode === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`pod ${pod.namespace}/${pod.name} did not become ready (${check.join(' ')})`);
  }

  // ---- node state: routes, kube-proxy rules, k3s configuration ----

  async #configureNodeState(world: World, node: WorldNode): Promise<void> {
    const id = this.#nodeContainers.get(node.name) ?? '';
    // flannel host-gw: "<pod range of node X> via <IP of node X>" for every other node.
    const routes = world.hostGwRoutes ? world.nodes.filter((other) => other.name !== node.name).map((other) => `ip route replace ${other.podCidr} via ${other.ip}`) : [];
    const script = [
      'set -e',
      // flannel's host-gw routes are the only "via" routes besides the default one: drop them, add the wanted.
      `ip -4 route show | awk '$2 == "via" && $1 != "default" { print $1 }' | while read -r destination; do ip route del "$destination"; done`,
      ...routes,
      `rm -f ${K3S_CONFIG_PATH}`,
    ].join('\n');
    await this.#run(id, ['sh', '-c', script], `set routes on ${node.name}`);
    if (node.k3sConfig !== undefined) await putFiles(this.#docker, id, [{ path: K3S_CONFIG_PATH, content: node.k3sConfig, mode: 0o600 }]);

    const existing = await this.#run(id, ['sh', '-c', 'iptables-save -t nat; iptables-save -t filter'], `read iptables on ${node.name}`);
    const restore = restoreInput(kubeProxyTables(world), existing, node.kubeProxySynced ?? true);
    const jumps = KUBE_PROXY_JUMPS.map(({ table, chain, rule }) => {
      const args = rule.map((part) => `'${part}'`).join(' ');
      return `iptables -t ${table} -C ${chain} ${args} 2>/dev/null || iptables -t ${table} -I ${chain} 1 ${args}`;
    });
    const outcome = await execCollect(this.#docker, id, ['sh', '-c', ['set -e', 'iptables-restore --noflush', ...jumps, 'conntrack -F >/dev/null 2>&1 || true'].join('\n')], {
      timeoutMs: SETUP_TIMEOUT_MS,
      stdin: restore,
    });
    if (outcome.exitCode !== 0) throw new Error(`iptables-restore on ${node.name} failed (${outcome.exitCode}): ${outcome.output}\n--- input ---\n${restore}`);
  }

  // ---- DNS ----

  async #applyDns(world: World): Promise<void> {
    const pod = world.pods.find((candidate) => candidate.image === 'dns');
    if (!pod) return;
    const key = dnsKey(world);
    if (key === this.#dnsApplied) return;
    this.#dnsSerial += 1;
    const next = dnsFiles(world, this.#dnsSerial).files;
    const id = await this.containerId({ pod: { namespace: pod.namespace, name: pod.name } });
    await putFiles(this.#docker, id, Object.entries(next).map(([name, content]) => ({ path: `${DNS_CONFIG_DIR}/${name}`, content, mode: 0o644 })));
    // `reload` rereads the configuration; a zone file rewritten within the same second keeps its mtime, which
    // knot would take for "unchanged", so every zone is then reloaded explicitly.
    await this.#run(id, ['sh', '-c', `knotc -c ${DNS_CONFIG_FILE} reload && knotc -c ${DNS_CONFIG_FILE} zone-reload`], 'reload the DNS server');
    this.#dnsApplied = key;
    await this.#waitForDnsSerial(id, world, this.#dnsSerial);
  }

  /** Zones reload in the background after `knotc reload`: wait until every zone answers with the new serial. */
  async #waitForDnsSerial(id: string, world: World, serial: number): Promise<void> {
    const zones = [world.clusterDomain, ...new Set(world.pods.map((pod) => `${pod.namespace}.pod.${world.clusterDomain}`))];
    const script = zones.map((zone) => `kdig +short @127.0.0.1 ${zone} SOA`).join('; ');
    // A deadline rather than a number of attempts: on a loaded two-core machine each exec alone can take
    // a second, and knot reloads zones in the background at its own pace.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const outcome = await execCollect(this.#docker, id, ['sh', '-c', script], { timeoutMs: 5_000 });
      const serials = outcome.output.trim().split('\n').map((line) => line.split(/\s+/)[2]);
      if (serials.length === zones.length && serials.every((value) => value === String(serial))) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the DNS server did not load zone serial ${serial} within 20 s`);
  }

  async #run(id: string, argv: string[], what: string, user?: string): Promise<string> {
    const outcome = await execCollect(this.#docker, id, argv, { timeoutMs: SETUP_TIMEOUT_MS, ...(user ? { user } : {}) });
    if (outcome.exitCode !== 0) throw new Error(`could not ${what} (exit ${outcome.exitCode}): ${outcome.output.trim()}`);
    return outcome.output;
  }
}

/**
 * Shell lines that rewrite the line Docker wrote into /etc/hosts for the container's own name to the world's
 * address (`hostname -i` then prints what it prints on the lab). /etc/hosts is a bind mount: rewritten in place.
 */
function hostsEntry(dockerIp: string, ip: string): string {
  if (!/^[0-9.]+$/.test(dockerIp) || !/^[0-9.]+$/.test(ip)) throw new Error(`unexpected addresses ${dockerIp} ${ip}`);
  return `hosts=$(sed 's/^${dockerIp.replaceAll('.', '\\.')}\\([[:space:]]\\)/${ip}\\1/' /etc/hosts) && printf '%s\\n' "$hosts" > /etc/hosts`;
}

/** Shell lines that set $name to the interface with this MAC address (Docker does not promise eth0/eth1 order). */
function ifaceByMac(name: string, mac: string): string {
  if (!/^[0-9a-f:]{17}$/.test(mac)) throw new Error(`unexpected MAC address "${mac}"`);
  return `${name}=; for i in /sys/class/net/*; do [ "$(cat "$i/address")" = "${mac}" ] && ${name}=\${i##*/}; done; [ -n "$${name}" ]`;
}

/** 0a:58:xx:xx:xx:xx from a pod's IPv4 address, as the CNI bridge plugin (flannel's delegate in k3s) sets it. */
export function podMac(ip: string): string {
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) throw new Error(`${ip} is not an IPv4 address`);
  return ['0a', '58', ...octets.map((octet) => octet.toString(16).padStart(2, '0'))].join(':');
}

function nodeKey(world: World): string {
  return world.nodes.map((node) => `${node.name}=${node.ip}=${node.podCidr}`).join(',');
}

function podSpecHash(world: World, pod: WorldPod): string {
  const spec = { image: pod.image, node: pod.node, ip: pod.ip, dns: pod.dnsPolicy ?? 'ClusterFirst', resolv: podResolvConf(world, pod.namespace), gw: podDefaultGateway(world, pod.node), uid: pod.uid };
  return crypto.createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** What the DNS server is given for a world, without the serial (which changes on every reload). */
function dnsKey(world: World): string {
  return JSON.stringify(Object.entries(dnsFiles(world, 0).files).sort(([a], [b]) => a.localeCompare(b)));
}

/** Docker's multiplexed log stream (8-byte frame headers) as text. */
function demuxLogs(raw: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

async function removeRun(docker: Docker, envName: string): Promise<void> {
  const filters = { label: [`${LABEL_MANAGED}=true`, `${LABEL_ENV}=${envName}`, `${LABEL_DATAPLANE}=true`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((container) => docker.getContainer(container.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((network) => docker.getNetwork(network.Id).remove().catch(() => undefined)));
}

/** Removes harness runs left behind by a test process that died (its pid is gone from this machine). */
async function removeAbandonedRuns(docker: Docker): Promise<void> {
  const filters = { label: [`${LABEL_MANAGED}=true`, `${LABEL_DATAPLANE}=true`] };
  const owners = new Map<string, string>();
  for (const item of [...(await docker.listContainers({ all: true, filters })), ...(await docker.listNetworks({ filters }))]) {
    const labels = item.Labels ?? {};
    const env = labels[LABEL_ENV];
    const pid = labels[LABEL_DATAPLANE_PID];
    if (env && pid) owners.set(env, pid);
  }
  for (const [env, pid] of owners) {
    if (!processAlive(Number(pid))) await removeRun(docker, env);
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
