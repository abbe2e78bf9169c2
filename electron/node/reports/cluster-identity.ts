import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';

export interface ClusterIdentity {
  source: 'ca-sha256' | 'server-sha256' | 'none';
  identity: string;
}

/**
 * Names the cluster the evidence came from by its CA certificate: kubeadm generates a new CA for every cluster, so
 * its sha256 tells two attendees' clusters (and a re-created cluster) apart, and it needs no API call, so a
 * report can be exported while the cluster is stopped. Without a kubeconfig the report says "none".
 */
export function clusterIdentity(config: KubeConfig | null): ClusterIdentity {
  const cluster = config?.getCurrentCluster();
  const pem = cluster?.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : cluster?.caFile ? readCaFile(cluster.caFile) : undefined;
  // A cluster reached without a CA (plain HTTP, or TLS checks skipped): bind to its address, which is weaker
  // (another cluster may sit at the same address) and says so in its source.
  if (!pem && cluster?.server) return { source: 'server-sha256', identity: `server-${createHash('sha256').update(cluster.server).digest('hex')}` };
  if (!pem) return { source: 'none', identity: '' };
  try {
    return { source: 'ca-sha256', identity: new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase() };
  } catch {
    // Not a certificate we can parse: still bind to its exact bytes.
    return { source: 'ca-sha256', identity: createHash('sha256').update(pem).digest('hex') };
  }
}

function readCaFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
