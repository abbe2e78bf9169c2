import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ipToNumber, resolveEnvConfig } from './config.ts';
import {
  API_SERVER_PORT,
  caCertHash,
  MIRRORED_REGISTRIES,
  mirrorHostsPath,
  newBootstrapToken,
  REGISTRY_PORT,
  renderInitConfiguration,
  renderJoinConfiguration,
  renderMirrorHosts,
} from './kubeadm-config.ts';
import { KUBERNETES_VERSION } from './versions.ts';
import { AUDIT_LOG_PATH, AUDIT_POLICY_PATH, renderAuditPolicy } from './api-audit-config.ts';

const TOKEN = 'abcdef.0123456789abcdef';
const config = resolveEnvConfig();
// Parsed YAML, read field by field in the expectations.
type Doc = Record<string, any>;

function documents(text: string): Map<string, Doc> {
  const docs = parseAllDocuments(text).map((doc) => doc.toJS() as Doc);
  return new Map(docs.map((doc) => [String(doc.kind), doc]));
}

describe('bootstrap tokens', () => {
  it('have the form kubeadm requires, [a-z0-9]{6}.[a-z0-9]{16}, and differ each time', () => {
    const tokens = Array.from({ length: 50 }, () => newBootstrapToken());
    for (const token of tokens) expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('map every random byte onto the alphabet', () => {
    // Bytes 30, 31, …: the digits end the alphabet, then it wraps to the letters.
    const bytes = (size: number) => Buffer.from(Array.from({ length: size }, (_unused, index) => 30 + index));
    expect(newBootstrapToken(bytes)).toBe('456789.456789abcdefghij');
    expect(newBootstrapToken((size) => Buffer.alloc(size, 255))).toBe('dddddd.dddddddddddddddd');
  });
});

describe("the CA hash workers pin (kubeadm join's --discovery-token-ca-cert-hash)", () => {
  let work: string;
  let pem: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-kubeadm-ca-'));
    // A CA like kubeadm's own (RSA 2048, CN=kubernetes).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-keyout', path.join(work, 'ca.key'), '-out', path.join(work, 'ca.crt')], { stdio: 'ignore' });
    pem = fs.readFileSync(path.join(work, 'ca.crt'), 'utf8');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it("is the sha256 of the certificate's public key info, as kubeadm's documentation computes it with openssl", () => {
    // kubeadm join docs: openssl x509 -pubkey -in ca.crt | openssl rsa -pubin -outform der | openssl dgst -sha256 -hex
    const publicKey = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', path.join(work, 'ca.crt')]);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: publicKey });
    const digest = execFileSync('openssl', ['dgst', '-sha256', '-hex'], { input: der }).toString().trim().split(' ').pop();
    expect(caCertHash(pem)).toBe(`sha256:${digest}`);
    expect(caCertHash(pem)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses what is not a certificate', () => {
    expect(() => caCertHash('-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n')).toThrow();
  });
});

describe('kubeadm init configuration (master1, /etc/labdeck/kubeadm.yaml)', () => {
  const docs = documents(renderInitConfiguration(config, TOKEN));
  const init = docs.get('InitConfiguration') ?? {};
  const cluster = docs.get('ClusterConfiguration') ?? {};
  const kubelet = docs.get('KubeletConfiguration') ?? {};
  const proxy = docs.get('KubeProxyConfiguration') ?? {};

  it('holds exactly the four documents kubeadm init --config reads, in kubeadm v1beta4', () => {
    expect([...docs.keys()]).toEqual(['InitConfiguration', 'ClusterConfiguration', 'KubeletConfiguration', 'KubeProxyConfiguration']);
    expect(init.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(cluster.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(kubelet.apiVersion).toBe('kubelet.config.k8s.io/v1beta1');
    expect(proxy.apiVersion).toBe('kubeproxy.config.k8s.io/v1alpha1');
  });

  it("is the guide's cluster: name kubernetes, pods 10.244.0.0/16, services 10.96.0.0/12, the API at 10.1.1.10:6443", () => {
    expect(cluster).toMatchObject({
      clusterName: 'kubernetes',
      kubernetesVersion: KUBERNETES_VERSION,
      controlPlaneEndpoint: '10.1.1.10:6443',
      networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' },
    });
    expect(init.localAPIEndpoint).toEqual({ advertiseAddress: '10.1.1.10', bindPort: API_SERVER_PORT });
  });

  it("has the API server keep an audit log of the admins' requests, its policy and log mounted from the node", () => {
    const args = Object.fromEntries((cluster.apiServer.extraArgs as Array<{ name: string; value: string }>).map(({ name, value }) => [name, value]));
    expect(args).toMatchObject({ 'audit-policy-file': AUDIT_POLICY_PATH, 'audit-log-path': AUDIT_LOG_PATH, 'audit-log-format': 'json' });
    const mounts = (cluster.apiServer.extraVolumes as Array<{ hostPath: string; mountPath: string }>).map(({ hostPath, mountPath }) => [hostPath, mountPath]);
    expect(mounts).toEqual([[AUDIT_POLICY_PATH, AUDIT_POLICY_PATH], [path.dirname(AUDIT_LOG_PATH), path.dirname(AUDIT_LOG_PATH)]]);
    const policy = parse(renderAuditPolicy()) as { kind: string; rules: Array<{ level: string; userGroups?: string[] }> };
    expect(policy.kind).toBe('Policy');
    // Metadata only: request bodies (a Secret's data) never reach the log.
    expect(policy.rules.map((rule) => rule.level)).toEqual(['Metadata', 'None']);
    expect(policy.rules[0]?.userGroups).toContain('kubeadm:cluster-admins');
  });

  it('puts the API certificate on every name the API is reached by: the node, the published port, extra names', () => {
    expect(cluster.apiServer.certSANs).toEqual(['master1', '10.1.1.10', '127.0.0.1', 'localhost']);
    const remote = documents(renderInitConfiguration(resolveEnvConfig({ apiServer: { extraTlsSans: ['lab-host.example', 'master1'] } }), TOKEN));
    expect(remote.get('ClusterConfiguration')?.apiServer.certSANs).toEqual(['master1', '10.1.1.10', '127.0.0.1', 'localhost', 'lab-host.example']);
  });

  it("has the DNS address the cluster's kube-dns Service gets: kubeadm takes the 10th address of the service range", () => {
    const [base = ''] = String(cluster.networking.serviceSubnet).split('/');
    expect(ipToNumber(config.kubernetes.clusterDns)).toBe(ipToNumber(base) + 10);
  });

  it('carries the bootstrap token the workers join with, never expiring, for signing and authentication', () => {
    expect(init.bootstrapTokens).toEqual([{ token: TOKEN, ttl: '0s', groups: ['system:bootstrappers:kubeadm:default-node-token'], usages: ['signing', 'authentication'] }]);
  });

  it('registers master1 with containerd, its lab address, and the control-plane taint (no taints override)', () => {
    expect(init.nodeRegistration).toMatchObject({
      name: 'master1',
      criSocket: 'unix:///run/containerd/containerd.sock',
      kubeletExtraArgs: [{ name: 'node-ip', value: '10.1.1.10' }],
    });
    expect(init.nodeRegistration).not.toHaveProperty('taints');
    // What a node container cannot offer (no systemd, swap and memory of a laptop) is not fatal.
    expect(init.nodeRegistration.ignorePreflightErrors).toEqual(expect.arrayContaining(['SystemVerification', 'Swap', 'NumCPU', 'Mem']));
  });

  it('runs kube-proxy in iptables mode, leaving the host-wide conntrack limit alone', () => {
    expect(proxy).toMatchObject({ kind: 'KubeProxyConfiguration', mode: 'iptables', conntrack: { maxPerCore: 0 } });
  });

  it('runs the kubelet with the cgroupfs driver, never evicting for disk pressure, and cgroup v1 allowed only where needed', () => {
    expect(kubelet).toMatchObject({ cgroupDriver: 'cgroupfs', failSwapOn: false, imageGCHighThresholdPercent: 100 });
    expect(kubelet.evictionHard).toEqual({ 'nodefs.available': '0%', 'nodefs.inodesFree': '0%', 'imagefs.available': '0%' });
    expect(kubelet).not.toHaveProperty('failCgroupV1');
    const newer = documents(renderInitConfiguration(resolveEnvConfig({ kubernetes: { version: 'v1.35.0' } }), TOKEN));
    expect(newer.get('KubeletConfiguration')?.failCgroupV1).toBe(false);
    expect(newer.get('ClusterConfiguration')?.kubernetesVersion).toBe('v1.35.0');
  });

  it('follows a configured topology and ranges', () => {
    const custom = resolveEnvConfig({
      network: { subnet: '10.77.5.0/24', gateway: '10.77.5.1', ipRange: '10.77.5.128/25' },
      nodes: [{ name: 'cp', role: 'server', ip: '10.77.5.10' }, { name: 'w', role: 'agent', ip: '10.77.5.7' }],
      jumphost: { ip: '10.77.5.5' },
      verifier: { ip: '10.77.5.6' },
      registry: { ip: '10.77.5.3' },
      kubernetes: { podSubnet: '10.50.0.0/16', serviceSubnet: '10.60.0.0/16', clusterDns: '10.60.0.10', clusterDomain: 'lab.local' },
    });
    const customDocs = documents(renderInitConfiguration(custom, TOKEN));
    expect(customDocs.get('ClusterConfiguration')).toMatchObject({
      controlPlaneEndpoint: '10.77.5.10:6443',
      networking: { podSubnet: '10.50.0.0/16', serviceSubnet: '10.60.0.0/16', dnsDomain: 'lab.local' },
    });
    expect(customDocs.get('InitConfiguration')?.nodeRegistration.name).toBe('cp');
  });
});

describe('kubeadm join configuration (each worker, /etc/labdeck/kubeadm-join.yaml)', () => {
  const worker1 = config.nodes.find((node) => node.name === 'worker1')!;
  const hash = `sha256:${'a'.repeat(64)}`;
  const join = parse(renderJoinConfiguration(config, worker1, TOKEN, hash)) as Doc;

  it("joins the control plane at 10.1.1.10:6443 with the token, pinned to the CA's hash", () => {
    expect(join).toMatchObject({ apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'JoinConfiguration' });
    expect(join.discovery).toEqual({ bootstrapToken: { apiServerEndpoint: '10.1.1.10:6443', token: TOKEN, caCertHashes: [hash] } });
  });

  it('registers the worker under its name and lab address, without taints', () => {
    expect(join.nodeRegistration).toMatchObject({
      name: 'worker1',
      criSocket: 'unix:///run/containerd/containerd.sock',
      kubeletExtraArgs: [{ name: 'node-ip', value: '10.1.1.7' }],
      taints: [],
    });
    expect(join).not.toHaveProperty('controlPlane');
  });
});

describe("containerd's registry mirror (hosts.toml)", () => {
  it('asks the mirror at 10.1.1.3:5000 first for docker.io and registry.k8s.io images, then the registry itself', () => {
    expect([...MIRRORED_REGISTRIES]).toEqual(['docker.io', 'registry.k8s.io']);
    expect(mirrorHostsPath('docker.io')).toBe('/etc/containerd/certs.d/docker.io/hosts.toml');
    const dockerHub = renderMirrorHosts(config, 'docker.io');
    expect(dockerHub).toContain('server = "https://registry-1.docker.io"');
    expect(dockerHub).toContain(`[host."http://10.1.1.3:${REGISTRY_PORT}"]\n  capabilities = ["pull", "resolve"]`);
    expect(renderMirrorHosts(config, 'registry.k8s.io')).toContain('server = "https://registry.k8s.io"');
    // Never a push target: the engine fills the mirror, nodes only read.
    expect(dockerHub).not.toContain('"push"');
  });
});
