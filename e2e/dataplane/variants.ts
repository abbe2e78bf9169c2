import { resolveEnvConfig } from '../../electron/node/env/config.ts';
import { renderK3sConfig } from '../../electron/node/env/k3s-config.ts';
import type { ProbeCheck } from '../../electron/node/course-format/check-spec.ts';
import { parseObjectReferences } from '../../electron/node/labs/lab-expressions.ts';
import { cloneWorld, findNode, findPod, findService, type World } from './world.ts';

/**
 * "Wrong worlds": the right world with one thing the cluster gets wrong, each the way an attendee's mistake or
 * a broken cluster really shows up. A probe must fail in each wrong world chosen for it.
 */
export interface WrongWorld {
  /** What is wrong, as a test name. */
  name: string;
  make(right: World): World;
}

export const wrong = {
  serviceWithoutEndpoints: (namespace: string, name: string): WrongWorld => ({
    name: `Service ${namespace}/${name} has no endpoints (its selector matches no pod)`,
    make: (right) => change(right, (world) => (findService(world, namespace, name).endpoints = [])),
  }),
  wrongTargetPort: (namespace: string, name: string): WrongWorld => ({
    name: `Service ${namespace}/${name} has targetPort 8080, where nothing listens`,
    make: (right) => change(right, (world) => findService(world, namespace, name).ports.forEach((port) => (port.targetPort = 8080))),
  }),
  noNodePort: (nodePort: number): WrongWorld => ({
    name: `no Service has nodePort ${nodePort} (type ClusterIP)`,
    make: (right) =>
      change(right, (world) => {
        for (const service of world.services) {
          if (!service.ports.some((port) => port.nodePort === nodePort)) continue;
          service.type = 'ClusterIP';
          for (const port of service.ports) delete port.nodePort;
        }
      }),
  }),
  kubeProxyNotSynced: (node: string): WrongWorld => ({
    name: `kube-proxy has not written its rules on ${node}`,
    make: (right) => change(right, (world) => (findNode(world, node).kubeProxySynced = false)),
  }),
  podWithoutWebServer: (namespace: string, name: string): WrongWorld => ({
    name: `pod ${namespace}/${name} runs busybox, nothing listens on port 80`,
    make: (right) => change(right, (world) => (findPod(world, namespace, name).image = 'busybox')),
  }),
  k3sConfig: (node: string, clusterCidr: string | null): WrongWorld => ({
    name: clusterCidr === null ? `${node} has no k3s configuration file` : `${node}'s k3s configuration sets cluster-cidr ${clusterCidr}`,
    make: (right) =>
      change(right, (world) => {
        const target = findNode(world, node);
        if (clusterCidr === null) {
          delete target.k3sConfig;
          return;
        }
        // The product's own renderer with k3s's default range instead of the guide's.
        const env = resolveEnvConfig({ k3s: { clusterCidr } });
        const planned = env.nodes.find((candidate) => candidate.name === node);
        if (!planned) throw new Error(`the product's default environment has no node ${node}`);
        target.k3sConfig = renderK3sConfig(env, planned);
      }),
  }),
  noHostGwRoutes: (): WrongWorld => ({
    name: 'flannel has set no host-gw routes between the nodes',
    make: (right) => change(right, (world) => (world.hostGwRoutes = false)),
  }),
  clusterDnsIgnored: (namespace: string, name: string): WrongWorld => ({
    name: `pod ${namespace}/${name} has dnsPolicy Default (the node's resolver, not kube-dns)`,
    make: (right) => change(right, (world) => (findPod(world, namespace, name).dnsPolicy = 'Default')),
  }),
  dnsAnswers: (fqdn: string, address: string | null): WrongWorld => ({
    name: address === null ? `the cluster DNS answers NXDOMAIN for ${fqdn}` : `the cluster DNS answers ${address} for ${fqdn}`,
    make: (right) => change(right, (world) => (world.dns.overrides = { ...world.dns.overrides, [fqdn]: address })),
  }),
  podRecordsDisabled: (): WrongWorld => ({
    name: 'the cluster DNS serves no pod records (CoreDNS `pods disabled`)',
    make: (right) => change(right, (world) => (world.dns.podRecords = 'disabled')),
  }),
  fewerEndpoints: (namespace: string, name: string, count: number): WrongWorld => ({
    name: `Service ${namespace}/${name} has only ${count} ready endpoint(s)`,
    make: (right) =>
      change(right, (world) => {
        const service = findService(world, namespace, name);
        const selector = service.selector ?? {};
        const matching = world.pods.filter((pod) => pod.namespace === namespace && Object.entries(selector).every(([key, value]) => pod.labels[key] === value));
        service.endpoints = matching.slice(0, count).map((pod) => pod.ip);
      }),
  }),
};

function change(right: World, edit: (world: World) => void): World {
  const world = cloneWorld(right);
  edit(world);
  return world;
}

/** A probe's place in the course, for test names and error messages. */
export interface LabProbe {
  labId: string;
  stepId: string;
  check: ProbeCheck;
}

export type ProbePlan = { kind: 'run'; wrong: WrongWorld[] } | { kind: 'skip'; reason: string };

/**
 * Chooses the wrong worlds for a probe from what it does (its target, its command and the objects it
 * references), not from its id, so probes added or rewritten in labs/ are covered without editing this file.
 * A probe no rule recognizes gets an empty list, which the test reports as a failure to be fixed here.
 */
export function planProbe(probe: LabProbe, world: World): ProbePlan {
  const { check } = probe;
  const text = check.command.join(' ');
  const references = check.command.flatMap((argument) => parseObjectReferences(argument));
  const services = unique(references.filter((ref) => ref.kind === 'service').map((ref) => `${ref.namespace}/${ref.name}`));
  const pods = unique(references.filter((ref) => ref.kind === 'pod').map((ref) => `${ref.namespace}/${ref.name}`));
  const split = (key: string): [string, string] => key.split('/') as [string, string];
  const list: WrongWorld[] = [];

  // Traffic to the API server: the data plane has none; the control-plane harness answers those.
  const apiServer = /:6443\b/.test(text);
  if (apiServer) return { kind: 'skip', reason: 'talks to the Kubernetes API server (port 6443), which is not part of the data plane; e2e/controlplane provides it' };

  if ('verifier' in check.in) {
    for (const key of services) list.push(wrong.serviceWithoutEndpoints(...split(key)), wrong.wrongTargetPort(...split(key)));
    for (const key of pods) if (/curl|wget/.test(text)) list.push(wrong.podWithoutWebServer(...split(key)));
    for (const match of text.matchAll(/(\d+\.\d+\.\d+\.\d+):(3\d{4})\b/g)) {
      const [, ip = '', port = ''] = match;
      list.push(wrong.noNodePort(Number(port)));
      const node = world.nodes.find((candidate) => candidate.ip === ip);
      if (node) list.push(wrong.kubeProxyNotSynced(node.name));
      const service = world.services.find((candidate) => candidate.ports.some((p) => p.nodePort === Number(port)));
      if (service) list.push(wrong.wrongTargetPort(service.namespace, service.name));
    }
  }
  if ('node' in check.in) {
    const node = check.in.node;
    if (text.includes('/etc/rancher/k3s/config.yaml')) list.push(wrong.k3sConfig(node, '10.42.0.0/16'), wrong.k3sConfig(node, null));
    if (/\bip route\b/.test(text)) list.push(wrong.noHostGwRoutes());
    if (/iptables/.test(text)) {
      list.push(wrong.kubeProxyNotSynced(node));
      for (const key of services) list.push(wrong.serviceWithoutEndpoints(...split(key)));
      if (/statistic/.test(text)) {
        for (const service of world.services) {
          // default/nginx must not match default/nginx-deployment.
          if (new RegExp(`${service.namespace}/${service.name}(?![-a-z0-9])`).test(text)) list.push(wrong.fewerEndpoints(service.namespace, service.name, 2));
        }
      }
    }
  }
  if ('pod' in check.in) {
    const pod = check.in.pod;
    if (/resolv\.conf/.test(text)) list.push(wrong.clusterDnsIgnored(pod.namespace, pod.name));
    if (/nslookup|ping|wget/.test(text)) {
      for (const match of text.matchAll(/\b([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local\b/g)) {
        const fqdn = match[0];
        list.push(wrong.dnsAnswers(fqdn, '10.96.99.99'), wrong.dnsAnswers(fqdn, null));
      }
      if (/\.pod\.cluster\.local/.test(text)) list.push(wrong.podRecordsDisabled());
      const dns = world.services.find((service) => service.clusterIP === world.clusterDns);
      if (dns) list.push(wrong.serviceWithoutEndpoints(dns.namespace, dns.name));
    }
  }
  return { kind: 'run', wrong: uniqueBy(list, (item) => item.name) };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function uniqueBy<T>(values: T[], key: (value: T) => string): T[] {
  const seen = new Set<string>();
  return values.filter((value) => (seen.has(key(value)) ? false : (seen.add(key(value)), true)));
}
