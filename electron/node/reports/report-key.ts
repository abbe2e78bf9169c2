import os from 'node:os';
import path from 'node:path';
import type { ClusterAccess } from '../backend/ports.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../course-pack/keys.ts';
import { clusterIdentity } from './cluster-identity.ts';

/** The attendee's report key: made on first use, kept in the data folder (0600). */
export function reportKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'report.labdeck-key');
}

/** The OS user name, the default attendee name (some containers have no passwd entry for the uid). */
export function defaultAttendeeName(): string {
  try {
    return os.userInfo().username || 'attendee';
  } catch {
    return 'attendee';
  }
}

/** The data folder's report key; the evidence journal signs with it from the first entry on. */
export function reportKey(dataDir: string, attendee: string = defaultAttendeeName()): Promise<SigningKey> {
  return loadOrCreateSigningKey(reportKeyFile(dataDir), attendee);
}

/**
 * The cluster's CA fingerprint for each journal entry, read from the kubeconfig once per cluster: kept until
 * the cluster changes, and read again while there is none (the environment may come up any moment).
 */
export function clusterIdentitySource(cluster: ClusterAccess): { current: () => Promise<string>; dispose: () => void } {
  let cached: string | undefined;
  const unsubscribe = cluster.onChange(() => {
    cached = undefined;
  });
  return {
    current: async () => {
      if (cached) return cached;
      const identity = clusterIdentity(await cluster.kubeConfig().catch(() => null)).identity;
      if (identity) cached = identity;
      return identity;
    },
    dispose: unsubscribe,
  };
}
