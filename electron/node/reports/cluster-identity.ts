import { createHash, X509Certificate } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';

export interface ClusterIdentity {
  source: 'ca-sha256' | 'none';
  identity: string;
}

/**
 * Names the cluster the evidence came from by its CA certificate: kubeadm generates a new CA for every cluster, so
 * its sha256 tells two attendees' clusters (and a re-created cluster) apart, and it needs no API call, so a
 * report can be exported while the cluster is stopped. Without a kubeconfig the report says "none".
 */
export function clusterIdentity(config: KubeConfig | null): ClusterIdentity {
  const cluster = config?.getCurrentCluster();
  const pem = cluster?.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : undefined;
  if (!pem) return { source: 'none', identity: '' };
  try {
    return { source: 'ca-sha256', identity: new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase() };
  } catch {
    // Not a certificate we can parse: still bind to its exact bytes.
    return { source: 'ca-sha256', identity: createHash('sha256').update(pem).digest('hex') };
  }
}
