import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { clusterIdentity } from './cluster-identity.ts';
import { exportReport } from './export-report.ts';
import { gradeReports } from './grade-reports.ts';

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

function openssl(args: string[]): string | null {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}
const hasOpenssl = openssl(['version']) !== null;

describe.skipIf(!hasOpenssl)('cluster identity', () => {
  let work: string;
  let config: KubeConfig;
  let fingerprint: string;

  beforeAll(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'labdeck-cluster-id-'));
    // A CA like the one kubeadm makes for each cluster (RSA 2048, CN=kubernetes).
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-keyout', path.join(work, 'ca.key'), '-out', path.join(work, 'ca.crt')]);
    const pem = await fsp.readFile(path.join(work, 'ca.crt'), 'utf8');
    fingerprint = (openssl(['x509', '-in', path.join(work, 'ca.crt'), '-noout', '-fingerprint', '-sha256']) ?? '').split('=')[1]?.trim().replace(/:/g, '').toLowerCase() ?? '';
    config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'labdeck', server: 'https://127.0.0.1:6443', caData: Buffer.from(pem).toString('base64') }],
      users: [{ name: 'admin', token: 't' }],
      contexts: [{ name: 'labdeck', cluster: 'labdeck', user: 'admin' }],
      currentContext: 'labdeck',
    });
  });
  afterAll(async () => {
    await fsp.rm(work, { recursive: true, force: true });
  });

  it("is the sha256 of the cluster's CA certificate, or none without a kubeconfig", () => {
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(clusterIdentity(config)).toEqual({ source: 'ca-sha256', identity: fingerprint });
    expect(clusterIdentity(null)).toEqual({ source: 'none', identity: '' });
  });

  it('binds a cluster reached without a CA to its address, and says that it did', async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const insecure = new KubeConfig();
    insecure.loadFromOptions({
      clusters: [{ name: 'plain', server: 'http://127.0.0.1:6443', skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'c', cluster: 'plain', user: 'u' }],
      currentContext: 'c',
    });
    const identity = clusterIdentity(insecure);
    expect(identity.source).toBe('server-sha256');
    expect(identity.identity).toMatch(/^server-[0-9a-f]{64}$/);
  });

  it('binds reports to it, and grade-reports flags two attendees on one cluster', async () => {
    const catalog = await LabCatalog.load(LABS);
    const cluster = { kubeConfig: async () => config, kubeconfigPath: async () => null, onChange: () => () => undefined };
    const files = [];
    for (const attendee of ['alice', 'bob']) {
      const exported = await exportReport({ catalog, dataDir: path.join(work, attendee), cluster, labdeckVersion: 'test', attendee });
      expect(JSON.parse(exported.json).cluster).toEqual({ source: 'ca-sha256', identity: fingerprint });
      files.push({ name: `${attendee}.json`, text: exported.json });
    }
    const grades = await gradeReports(files);
    expect(grades.rows.map((row) => row.flags)).toEqual([['shared-cluster'], ['shared-cluster']]);
    expect(grades.rows[0]?.problems).toContain(`shared cluster: reports of alice, bob come from the same cluster (CA ${fingerprint.slice(0, 16)}…)`);
  });
});
