import { resolveEnvConfig } from '../../electron/node/env/config.ts';
import { renderK3sConfig } from '../../electron/node/env/k3s-config.ts';
import type { World } from './world.ts';

/**
 * The workshop's cluster once an attendee has done labs 1.5-1.9 right, with the guide's addresses
 * (seed 004): lab network 10.1.1.0/24 with master1 .10, worker1 .7, worker2 .8, jumphost .5, verifier .6;
 * one /24 of 10.244.0.0/16 per node; services in 10.96.0.0/12 with kube-dns on 10.96.0.10.
 *
 * Objects: the nginx pod and NodePort Service nginx of lab 1.5 (port 80 named http, nodePort 30080, the
 * guide's manifest), the alpine pod of lab 1.7 (busybox42/alpine-pod), the three nginx-deployment pods of
 * lab 1.8 spread over the nodes and their `kubectl expose` Service (one unnamed port), and what k3s itself
 * runs: CoreDNS behind kube-dns, and the kubernetes Service in front of the API server on master1.
 */
export function workshopWorld(): World {
  // The k3s configuration files come from the product's own planner, so lab 1.6's probe reads exactly
  // what `labdeck env up` writes to the nodes.
  const env = resolveEnvConfig();
  const k3sConfig = (name: string): string => {
    const node = env.nodes.find((candidate) => candidate.name === name);
    if (!node) throw new Error(`the product's default environment has no node ${name}`);
    return renderK3sConfig(env, node);
  };
  return {
    clusterCidr: env.k3s.clusterCidr,
    serviceCidr: env.k3s.serviceCidr,
    clusterDomain: env.k3s.clusterDomain,
    clusterDns: env.k3s.clusterDns,
    gateway: env.network.gateway,
    jumphostIp: env.jumphost.ip,
    verifierIp: env.verifier.ip,
    hostGwRoutes: true,
    nodes: [
      { name: 'master1', role: 'server', ip: '10.1.1.10', podCidr: '10.244.0.0/24', k3sConfig: k3sConfig('master1') },
      { name: 'worker1', role: 'agent', ip: '10.1.1.7', podCidr: '10.244.1.0/24', k3sConfig: k3sConfig('worker1') },
      { name: 'worker2', role: 'agent', ip: '10.1.1.8', podCidr: '10.244.2.0/24', k3sConfig: k3sConfig('worker2') },
    ],
    pods: [
      { namespace: 'kube-system', name: 'coredns-7b98449c4-x2kq8', node: 'master1', ip: '10.244.0.2', image: 'dns', imageName: 'rancher/mirrored-coredns-coredns:1.12.3', labels: { 'k8s-app': 'kube-dns' }, dnsPolicy: 'Default' },
      { namespace: 'default', name: 'nginx', node: 'worker1', ip: '10.244.1.5', image: 'nginx', imageName: 'nginx', labels: { name: 'nginx' } },
      { namespace: 'default', name: 'alpine', node: 'worker2', ip: '10.244.2.4', image: 'busybox', imageName: 'busybox42/alpine-pod', labels: { run: 'alpine' } },
      { namespace: 'default', name: 'nginx-deployment-66b6c48dd5-4jw2p', node: 'master1', ip: '10.244.0.6', image: 'nginx', imageName: 'nginx:1.14.2', labels: { app: 'nginx' } },
      { namespace: 'default', name: 'nginx-deployment-66b6c48dd5-8xk9t', node: 'worker1', ip: '10.244.1.6', image: 'nginx', imageName: 'nginx:1.14.2', labels: { app: 'nginx' } },
      { namespace: 'default', name: 'nginx-deployment-66b6c48dd5-tq7vz', node: 'worker2', ip: '10.244.2.6', image: 'nginx', imageName: 'nginx:1.14.2', labels: { app: 'nginx' } },
    ],
    services: [
      { namespace: 'default', name: 'kubernetes', type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }], endpoints: ['10.1.1.10'] },
      {
        namespace: 'kube-system',
        name: 'kube-dns',
        type: 'ClusterIP',
        clusterIP: env.k3s.clusterDns,
        ports: [
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
          { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
          { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153 },
        ],
        selector: { 'k8s-app': 'kube-dns' },
      },
      { namespace: 'default', name: 'nginx', type: 'NodePort', clusterIP: '10.104.51.113', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080 }], selector: { name: 'nginx' } },
      { namespace: 'default', name: 'nginx-deployment', type: 'ClusterIP', clusterIP: '10.110.20.30', ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }], selector: { app: 'nginx' } },
    ],
    dns: { podRecords: 'insecure' },
  };
}
