import { KubernetesObjectApi, type KubeConfig, type V1EndpointSlice, type V1Node, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecOutcome, LabContainers } from '../../electron/node/backend/ports.ts';
import { ipToNumber, resolveEnvConfig, type EnvConfig } from '../../electron/node/env/config.ts';
import { renderK3sConfig } from '../../electron/node/env/k3s-config.ts';
import { DataplaneHarness } from './harness.ts';
import type { PodImage, World, WorldNode, WorldPod, WorldService, WorldServicePort } from './world.ts';

/**
 * A data plane that mirrors a live control plane: its Nodes, Pods, Services and EndpointSlices become a
 * harness World (pods at the addresses, on the nodes and with the images the control plane gave them; Services
 * with their real ClusterIPs, NodePorts, resolved targetPorts and ready endpoints), and the harness makes that
 * world real. `sync()` reads the cluster again and lets the harness reconcile only what changed, so commands
 * the control plane cannot run (exec in a pod, curl through a Service, a node's iptables) are answered by real
 * tools in a world that follows what the attendee did to the cluster, right or wrong.
 */

/** What the translation reads from the cluster: the lists as the API returns them. */
export interface LiveObjects {
  nodes: V1Node[];
  pods: V1Pod[];
  services: V1Service[];
  endpointSlices: V1EndpointSlice[];
  /** kube-system/coredns's Corefile, when the ConfigMap exists. */
  corefile?: string;
}

export interface MirrorTranslation {
  world: World;
  /** Objects the world cannot hold, each with why; the mirror shows them so a missing answer is explained. */
  skipped: string[];
  /** namespace/name → the name of the pod's first container (kubectl logs --prefix prints it). */
  containerNames: Map<string, string>;
}

/** The harness image kind standing for an image a Pod names, by repository (tag and registry ignored). */
export function podImageKind(image: string): PodImage | undefined {
  const withoutTag = image.replace(/@.*$/, '').replace(/:[^/]*$/, '');
  const repository = withoutTag.replace(/^(docker\.io\/)?(library\/)?/, '');
  if (repository === 'nginx') return 'nginx';
  // The workshop's bundle carries busybox42/alpine-pod for 1.7; busybox and alpine bring the same applets.
  if (['busybox', 'busybox42/alpine-pod', 'alpine'].includes(repository)) return 'busybox';
  if (/(^|\/)(mirrored-coredns-coredns|coredns)$/.test(repository)) return 'dns';
  return undefined;
}

const key = (object: { metadata?: { namespace?: string; name?: string } }) => `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;

/**
 * The World a live cluster stands for. Pure: everything comes from the objects and the product's environment
 * configuration (the lab network's gateway, the jumphost's and verifier's addresses, each node's k3s config
 * file as `labdeck env up` writes it), none from a recording.
 */
export function mirrorWorld(objects: LiveObjects, env: EnvConfig = resolveEnvConfig()): MirrorTranslation {
  const skipped: string[] = [];
  const containerNames = new Map<string, string>();

  const nodes: WorldNode[] = [];
  for (const node of [...objects.nodes].sort((a, b) => key(a).localeCompare(key(b)))) {
    const name = node.metadata?.name ?? '';
    const ip = node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address;
    const podCidr = node.spec?.podCIDR;
    if (!ip || !podCidr) {
      skipped.push(`node ${name}: ${ip ? 'no spec.podCIDR yet' : 'no InternalIP'}`);
      continue;
    }
    const labels = node.metadata?.labels ?? {};
    const role = 'node-role.kubernetes.io/control-plane' in labels || 'node-role.kubernetes.io/master' in labels ? 'server' : 'agent';
    const planned = env.nodes.find((candidate) => candidate.name === name);
    nodes.push({ name, role, ip, podCidr, ...(planned ? { k3sConfig: renderK3sConfig(env, planned) } : {}) });
  }
  const nodeNames = new Set(nodes.map((node) => node.name));

  const pods: WorldPod[] = [];
  for (const pod of [...objects.pods].sort((a, b) => key(a).localeCompare(key(b)))) {
    const where = `pod ${key(pod)}`;
    const ip = pod.status?.podIP;
    const node = pod.spec?.nodeName;
    const container = pod.spec?.containers[0];
    const kind = podImageKind(container?.image ?? '');
    // A terminating pod leaves the data plane first: its address may already be handed to its successor.
    if (pod.metadata?.deletionTimestamp) skipped.push(`${where}: terminating`);
    else if (pod.status?.phase !== 'Running' || !ip || !node) skipped.push(`${where}: not running with an address (${pod.status?.phase ?? 'no phase'})`);
    else if (pod.spec?.hostNetwork) skipped.push(`${where}: host network (nothing of its own to mirror)`);
    else if (!nodeNames.has(node)) skipped.push(`${where}: on node ${node}, which is not mirrored`);
    else if (!kind) skipped.push(`${where}: image ${container?.image ?? '(none)'} has no data-plane stand-in (busybox, nginx, coredns)`);
    else {
      const dnsPolicy = pod.spec?.dnsPolicy === 'Default' ? 'Default' : 'ClusterFirst';
      pods.push({ namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', node, ip, image: kind, imageName: container?.image ?? '', labels: { ...(pod.metadata?.labels ?? {}) }, dnsPolicy, ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}) });
      containerNames.set(key(pod), container?.name ?? '');
    }
  }
  const podIps = new Set(pods.map((pod) => pod.ip));

  const slicesByService = new Map<string, V1EndpointSlice[]>();
  for (const slice of objects.endpointSlices) {
    const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (!service || slice.addressType !== 'IPv4') continue;
    const serviceKey = `${slice.metadata?.namespace ?? ''}/${service}`;
    slicesByService.set(serviceKey, [...(slicesByService.get(serviceKey) ?? []), slice]);
  }

  const services: WorldService[] = [];
  for (const service of [...objects.services].sort((a, b) => key(a).localeCompare(key(b)))) {
    const where = `Service ${key(service)}`;
    const spec = service.spec;
    const type = spec?.type ?? 'ClusterIP';
    const clusterIP = spec?.clusterIP;
    if (type !== 'ClusterIP' && type !== 'NodePort' && type !== 'LoadBalancer') {
      skipped.push(`${where}: type ${type} has no kube-proxy rules`);
      continue;
    }
    if (!clusterIP || clusterIP === 'None') {
      skipped.push(`${where}: headless (no ClusterIP)`);
      continue;
    }
    const slices = slicesByService.get(key(service)) ?? [];
    const ports: WorldServicePort[] = [];
    for (const port of spec?.ports ?? []) {
      const protocol = port.protocol ?? 'TCP';
      if (protocol !== 'TCP' && protocol !== 'UDP') {
        skipped.push(`${where} port ${port.port}: protocol ${protocol}`);
        continue;
      }
      // The endpoints controller resolves a named targetPort against the pods; its answer is the slice's port.
      const sliced = slices.flatMap((slice) => slice.ports ?? []).find((candidate) => (candidate.name ?? '') === (port.name ?? '') && (candidate.protocol ?? 'TCP') === protocol)?.port;
      const target = port.targetPort ?? port.port;
      const targetPort = sliced ?? (typeof target === 'number' ? target : /^\d+$/.test(target) ? Number(target) : undefined);
      if (targetPort === undefined) {
        skipped.push(`${where} port ${port.port}: named targetPort ${String(target)} that no endpoint resolves`);
        continue;
      }
      ports.push({ ...(port.name ? { name: port.name } : {}), protocol, port: port.port, targetPort, ...(type !== 'ClusterIP' && port.nodePort ? { nodePort: port.nodePort } : {}) });
    }
    // kube-proxy programs the ready endpoints of the slices, never the selector: what the controller wrote is
    // the truth, including a Service whose selector matches nothing (then kube-proxy REJECTs).
    const endpoints = [
      ...new Set(
        slices.flatMap((slice) => (slice.endpoints ?? []).filter((endpoint) => endpoint.conditions?.ready !== false).flatMap((endpoint) => endpoint.addresses)),
      ),
    ].sort((a, b) => ipToNumber(a) - ipToNumber(b));
    const unreachable = endpoints.filter((ip) => !podIps.has(ip) && !nodes.some((node) => node.ip === ip));
    if (unreachable.length > 0) skipped.push(`${where}: endpoints ${unreachable.join(', ')} stand for nothing mirrored (traffic to them goes unanswered)`);
    services.push({
      namespace: service.metadata?.namespace ?? 'default',
      name: service.metadata?.name ?? '',
      // LoadBalancer without a load balancer (servicelb is disabled in Labdeck) is a NodePort to kube-proxy.
      type: type === 'ClusterIP' ? 'ClusterIP' : 'NodePort',
      clusterIP,
      ports,
      ...(spec?.selector ? { selector: { ...spec.selector } } : {}),
      endpoints,
    });
  }

  const kubeDns = services.find((service) => service.namespace === 'kube-system' && service.name === 'kube-dns');
  const hostGw = nodes.length > 0 && objects.nodes.every((node) => (node.metadata?.annotations ?? {})['flannel.alpha.coreos.com/backend-type'] === 'host-gw');
  const world: World = {
    clusterCidr: env.k3s.clusterCidr,
    serviceCidr: env.k3s.serviceCidr,
    clusterDomain: env.k3s.clusterDomain,
    clusterDns: kubeDns?.clusterIP ?? env.k3s.clusterDns,
    gateway: env.network.gateway,
    jumphostIp: env.jumphost.ip,
    verifierIp: env.verifier.ip,
    hostGwRoutes: hostGw,
    nodes,
    pods,
    services,
    // CoreDNS's kubernetes plugin answers IP-shaped pod names only with `pods insecure` (k3s's Corefile).
    dns: { podRecords: objects.corefile !== undefined && !/^\s*pods\s+insecure\b/m.test(objects.corefile) ? 'disabled' : 'insecure' },
  };
  return { world, skipped, containerNames };
}

/** Reads what mirrorWorld needs from the API server. */
export async function readLiveObjects(kubeConfig: KubeConfig): Promise<LiveObjects> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const list = async <T>(apiVersion: string, kind: string): Promise<T[]> => (await api.list(apiVersion, kind)).items as unknown as T[];
  const [nodes, pods, services, endpointSlices, configMap] = await Promise.all([
    list<V1Node>('v1', 'Node'),
    list<V1Pod>('v1', 'Pod'),
    list<V1Service>('v1', 'Service'),
    list<V1EndpointSlice>('discovery.k8s.io/v1', 'EndpointSlice'),
    api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' } }).catch(() => undefined),
  ]);
  const corefile = (configMap as { data?: Record<string, string> } | undefined)?.data?.Corefile;
  return { nodes, pods, services, endpointSlices, ...(corefile !== undefined ? { corefile } : {}) };
}

export class LiveMirror {
  readonly harness: DataplaneHarness;
  readonly #docker: Docker;
  readonly #kubeConfig: KubeConfig;
  readonly #published = new Map<number, { port: number; server: Server; sockets: Set<Socket> }>();
  #translation: MirrorTranslation;
  #running: Promise<void> | undefined;
  #requested = 0;
  #completed = 0;
  /** How many syncs changed the harness, and the time they took: the test reports it. */
  readonly stats = { syncs: 0, applied: 0, applyMs: 0 };

  private constructor(docker: Docker, harness: DataplaneHarness, kubeConfig: KubeConfig, translation: MirrorTranslation) {
    this.#docker = docker;
    this.harness = harness;
    this.#kubeConfig = kubeConfig;
    this.#translation = translation;
  }

  /** Waits until every node has its pod range (the controller manager allocates it), then starts the harness. */
  static async start(docker: Docker, kubeConfig: KubeConfig, options: { envName: string; timeoutMs?: number }): Promise<LiveMirror> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let translation = mirrorWorld(await readLiveObjects(kubeConfig));
    while (translation.skipped.some((reason) => reason.startsWith('node ')) || translation.world.nodes.length === 0) {
      if (Date.now() > deadline) throw new Error(`the cluster's nodes cannot be mirrored: ${translation.skipped.join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      translation = mirrorWorld(await readLiveObjects(kubeConfig));
    }
    const harness = await DataplaneHarness.start(docker, translation.world, { envName: options.envName });
    const mirror = new LiveMirror(docker, harness, kubeConfig, translation);
    try {
      for (const nodePort of resolveEnvConfig().nodePorts) await mirror.#publish(nodePort);
    } catch (error) {
      await mirror.stop();
      throw error;
    }
    return mirror;
  }

  /**
   * The product publishes the environment's nodePorts (30080) from the server node's container to this
   * computer's loopback. The harness's addresses are not reachable from this computer, so each connection to
   * that loopback port is carried by netcat in the verifier (on the lab network) to the server node's
   * nodePort: the request meets the node's real KUBE-NODEPORTS rules, as one through Docker's port mapping does.
   */
  async #publish(nodePort: number): Promise<void> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      this.#carry(socket, nodePort).catch(() => socket.destroy());
    });
    const listen = (port: number) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    // As the product's plan: the nodePort's own number on this computer, another free port when it is taken.
    await listen(nodePort).catch(() => listen(0));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no loopback port for the published nodePort');
    this.#published.set(nodePort, { port: address.port, server, sockets });
  }

  async #carry(socket: Socket, nodePort: number): Promise<void> {
    socket.pause();
    const server = this.world.nodes.find((node) => node.role === 'server');
    if (!server) throw new Error('no server node to publish from');
    const verifier = await this.harness.containerId({ verifier: true });
    const exec = await this.#docker.getContainer(verifier).exec({ Cmd: ['nc', server.ip, String(nodePort)], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as NodeJS.ReadWriteStream & { destroy(): void };
    const stdout = new PassThrough();
    this.#docker.modem.demuxStream(stream, stdout, new PassThrough().resume());
    stdout.pipe(socket);
    stream.on('end', () => socket.end());
    stream.on('error', () => socket.destroy());
    socket.on('close', () => stream.destroy());
    socket.pipe(stream);
    socket.resume();
  }

  /** The loopback port the product would publish nodePort on, or null when it publishes no such nodePort. */
  publishedPort(nodePort: number): number | null {
    return this.#published.get(nodePort)?.port ?? null;
  }

  /** The harness's containers as the product's check engine finds them, with the nodePorts published as above. */
  containers(): LabContainers {
    const containers = this.harness.containers;
    return {
      containerFor: (target) => containers.containerFor(target),
      nodeNames: () => containers.nodeNames(),
      exec: (id, argv, options) => containers.exec(id, argv, options),
      execInteractive: (id, argv, options) => containers.execInteractive(id, argv, options),
      publishedPort: async (nodePort) => this.publishedPort(nodePort),
    };
  }

  get world(): World {
    return this.#translation.world;
  }

  get translation(): MirrorTranslation {
    return this.#translation;
  }

  /**
   * Reads the cluster and reconciles the harness to it. A call made while a sync runs waits for the next one
   * (never for one that read the cluster before the call), and calls waiting together share it: a burst of
   * probes costs one API read and one reconcile.
   */
  async sync(): Promise<MirrorTranslation> {
    const wanted = ++this.#requested;
    while (this.#completed < wanted) {
      if (!this.#running) {
        const covers = this.#requested;
        this.#running = this.#syncOnce()
          .then(() => {
            this.#completed = covers;
          })
          .finally(() => {
            this.#running = undefined;
          });
      }
      await this.#running;
    }
    return this.#translation;
  }

  async #syncOnce(): Promise<void> {
    const translation = mirrorWorld(await readLiveObjects(this.#kubeConfig));
    this.stats.syncs += 1;
    if (JSON.stringify(translation.world) !== JSON.stringify(this.harness.world)) {
      const started = Date.now();
      await this.harness.apply(translation.world);
      this.stats.applied += 1;
      this.stats.applyMs += Date.now() - started;
    }
    this.#translation = translation;
  }

  /** Runs argv in the mirrored pod, as the kubelet would for `kubectl exec` (same argv, exit code passed through). */
  async execInPod(namespace: string, name: string, argv: string[], timeoutMs: number): Promise<ExecOutcome | undefined> {
    if (!this.world.pods.some((pod) => pod.namespace === namespace && pod.name === name)) return undefined;
    return this.harness.exec({ pod: { namespace, name } }, argv, { timeoutMs });
  }

  async stop(): Promise<void> {
    for (const { server, sockets } of this.#published.values()) {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.#published.clear();
    await this.harness.stop();
  }
}
