import type { EnvConfig } from './config.ts';

/**
 * Proxy variables for nodes and the jumphost. Cluster-internal traffic (node, pod and service ranges, the
 * cluster domain, node names) must never go through a company proxy, so those are always in NO_PROXY.
 */
export function proxyEnv(config: EnvConfig): string[] {
  const { httpProxy, httpsProxy, noProxy } = config.proxy;
  if (!httpProxy && !httpsProxy) return [];
  const internal = [
    'localhost',
    '127.0.0.1',
    config.network.subnet,
    config.kubernetes.podSubnet,
    config.kubernetes.serviceSubnet,
    `.svc`,
    `.${config.kubernetes.clusterDomain}`,
    ...config.nodes.map((node) => node.name),
    config.jumphost.name,
    config.registry.name,
    config.registry.ip,
    config.verifier.name,
  ];
  const noProxyValue = [...new Set([...internal, ...noProxy])].join(',');
  const env: string[] = [];
  if (httpProxy) env.push(`HTTP_PROXY=${httpProxy}`, `http_proxy=${httpProxy}`);
  if (httpsProxy) env.push(`HTTPS_PROXY=${httpsProxy}`, `https_proxy=${httpsProxy}`);
  env.push(`NO_PROXY=${noProxyValue}`, `no_proxy=${noProxyValue}`);
  return env;
}
