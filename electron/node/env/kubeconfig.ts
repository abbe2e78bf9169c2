import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMap, isSeq, parse, parseDocument, stringify, YAMLSeq } from 'yaml';

/** The admin credentials of kubeadm's admin.conf on the control-plane node. */
export interface AdminCredentials {
  certificateAuthorityData: string;
  clientCertificateData: string;
  clientKeyData: string;
}

/** Names the workshop guide's kubeconfig uses; the kubeconfig lab looks for exactly these. */
export const GUIDE_NAMES = { cluster: 'kubernetes', user: 'kubernetes-admin', context: 'kubernetes-admin@kubernetes' } as const;
/** Names of the entries Labdeck adds to the attendee's own kubeconfig. */
export const HOST_CONTEXT_NAMES = { cluster: 'labdeck', user: 'labdeck-admin', context: 'labdeck' } as const;

export function parseAdminKubeconfig(text: string): AdminCredentials {
  const doc = parse(text) as {
    clusters?: { cluster?: Record<string, string> }[];
    users?: { user?: Record<string, string> }[];
  };
  const cluster = doc.clusters?.[0]?.cluster;
  const user = doc.users?.[0]?.user;
  const ca = cluster?.['certificate-authority-data'];
  const cert = user?.['client-certificate-data'];
  const key = user?.['client-key-data'];
  if (!ca || !cert || !key) throw new Error('The admin kubeconfig lacks certificate data');
  return { certificateAuthorityData: ca, clientCertificateData: cert, clientKeyData: key };
}

export function renderKubeconfig(
  credentials: AdminCredentials,
  server: string,
  names: { cluster: string; user: string; context: string },
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: names.cluster, cluster: { 'certificate-authority-data': credentials.certificateAuthorityData, server } }],
    contexts: [{ name: names.context, context: { cluster: names.cluster, user: names.user } }],
    'current-context': names.context,
    preferences: {},
    users: [
      {
        name: names.user,
        user: { 'client-certificate-data': credentials.clientCertificateData, 'client-key-data': credentials.clientKeyData },
      },
    ],
  });
}

/** The kubeconfig file kubectl would use: the first entry of KUBECONFIG, else ~/.kube/config. */
export function userKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  return first ?? path.join(os.homedir(), '.kube', 'config');
}

/**
 * Adds or replaces Labdeck's cluster, user and context in an existing kubeconfig text, leaving every other
 * entry, comment and the current context untouched (the current context is set only in a new file).
 */
export function mergeKubeconfig(existing: string | null, labdeck: string): string {
  const ours = parse(labdeck) as {
    clusters: { name: string }[];
    users: { name: string }[];
    contexts: { name: string }[];
    'current-context': string;
  };
  if (existing === null || existing.trim() === '') return labdeck;
  const doc = parseDocument(existing);
  if (doc.errors.length > 0) throw new Error(`The existing kubeconfig is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  if (!isMap(doc.contents)) throw new Error('The existing kubeconfig is not a YAML mapping');
  for (const section of ['clusters', 'users', 'contexts'] as const) {
    let list = doc.get(section);
    if (!isSeq(list)) {
      list = new YAMLSeq();
      doc.set(section, list);
    }
    const seq = list as YAMLSeq;
    for (const entry of ours[section]) {
      const index = seq.items.findIndex((item) => isMap(item) && item.get('name') === entry.name);
      const node = doc.createNode(entry);
      if (index >= 0) seq.items[index] = node;
      else seq.items.push(node);
    }
  }
  if (!doc.get('current-context')) doc.set('current-context', ours['current-context']);
  return doc.toString();
}

export async function writeMergedKubeconfig(file: string, labdeck: string): Promise<void> {
  let existing: string | null = null;
  try {
    existing = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const merged = mergeKubeconfig(existing, labdeck);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Write next to it and rename, so an interrupted write never leaves a half kubeconfig behind.
  const temporary = `${file}.labdeck-${process.pid}.tmp`;
  await fs.writeFile(temporary, merged, { mode: 0o600 });
  await fs.rename(temporary, file);
}
