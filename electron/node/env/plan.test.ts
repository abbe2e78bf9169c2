import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveEnvConfig } from './config.ts';
import { K3S_CONFIG_PATH, NODE_RESOLV_CONF_PATH } from './k3s-config.ts';
import { AIRGAP_IMAGES_DIR, K3S_IMAGE_VOLUMES, NODE_ENTRYPOINT_PATH, planEnvironment, type PlannedContainer } from './plan.ts';
import { JUMPHOST_IMAGE, JUMPHOST_VERSION, K3S_IMAGE, K3S_VERSION, needsFailCgroupV1False } from './versions.ts';

const inputs = { token: 'secret-token', apiHostPort: 6443, nodePortHostPorts: { 30080: 30080 } };
const plan = planEnvironment(resolveEnvConfig(), inputs);
const byName = (name: string): PlannedContainer => {
  const found = [...plan.nodes, plan.jumphost, plan.verifier].find((container) => container.name === name);
  if (!found) throw new Error(`no ${name} in plan`);
  return found;
};
const master1 = byName('master1');
const worker1 = byName('worker1');
const fileOf = (container: PlannedContainer, filePath: string) => container.files.find((file) => file.path === filePath)?.content ?? '';

describe('network create request', () => {
  it('is a labelled bridge with the guide subnet and an IP range that keeps automatic addresses off the fixed ones', () => {
    expect(plan.network).toEqual({
      Name: 'labdeck-net',
      Driver: 'bridge',
      CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.1.1.0/24', Gateway: '10.1.1.1', IPRange: '10.1.1.128/25' }] },
      Labels: { 'dev.labdeck.managed': 'true', 'dev.labdeck.env': 'labdeck' },
    });
  });
});

describe('node containers, item by item against k3d (translate.go) and kind (provision.go)', () => {
  it('names, hostnames and fixed addresses follow the guide', () => {
    expect(plan.nodes.map((node) => [node.create.name, node.create.Hostname, node.ip])).toEqual([
      ['master1', 'master1', '10.1.1.10'],
      ['worker1', 'worker1', '10.1.1.7'],
      ['worker2', 'worker2', '10.1.1.8'],
    ]);
    expect(master1.create.NetworkingConfig?.EndpointsConfig?.['labdeck-net']).toEqual({ IPAMConfig: { IPv4Address: '10.1.1.10' }, Aliases: ['master1'] });
  });

  it('runs privileged with docker-init, tmpfs /run and /var/run, restart unless-stopped (k3d)', () => {
    for (const node of plan.nodes) {
      const host = node.create.HostConfig ?? {};
      expect(host.Privileged).toBe(true);
      expect(host.Init).toBe(true);
      expect(host.Tmpfs).toEqual({ '/run': '', '/var/run': '' });
      expect(host.RestartPolicy?.Name).toBe('unless-stopped');
      expect(node.create.Image).toBe(K3S_IMAGE);
    }
  });

  it('gives every VOLUME the k3s image declares a labelled named volume (kind keeps /var on a volume too)', () => {
    const mounts = master1.create.HostConfig?.Mounts ?? [];
    expect(mounts.map((mount) => mount.Target)).toEqual([...K3S_IMAGE_VOLUMES]);
    expect(mounts.every((mount) => mount.Type === 'volume' && mount.VolumeOptions?.Labels['dev.labdeck.managed'] === 'true')).toBe(true);
    expect(mounts.find((mount) => mount.Target === '/var/lib/rancher/k3s')?.Source).toBe('labdeck-master1-var-lib-rancher-k3s');
    expect(AIRGAP_IMAGES_DIR.startsWith('/var/lib/rancher/k3s/')).toBe(true);
    expect(plan.volumes).toHaveLength(3 * K3S_IMAGE_VOLUMES.length);
  });

  it('uses the volumes the image inspect reports when given', () => {
    const custom = planEnvironment(resolveEnvConfig(), { ...inputs, imageVolumes: ['/var/lib/rancher/k3s'] });
    expect(custom.nodes[0]?.create.HostConfig?.Mounts?.map((mount) => mount.Target)).toEqual(['/var/lib/rancher/k3s']);
  });

  it('shares one token; agents join through K3S_URL on the server name', () => {
    expect(master1.create.Env).toContain('K3S_TOKEN=secret-token');
    expect(master1.create.Env?.some((entry) => entry.startsWith('K3S_URL='))).toBe(false);
    expect(worker1.create.Env).toEqual(expect.arrayContaining(['K3S_TOKEN=secret-token', 'K3S_URL=https://master1:6443']));
    expect(master1.create.Cmd).toEqual(['server']);
    expect(worker1.create.Cmd).toEqual(['agent']);
  });

  it('starts through the entrypoint with the cgroup v2 and DNS fixes before exec-ing k3s (k3d fixes)', () => {
    expect(master1.create.Entrypoint).toEqual([NODE_ENTRYPOINT_PATH]);
    const script = fileOf(master1, NODE_ENTRYPOINT_PATH);
    expect(script).toContain('/sys/fs/cgroup/cgroup.controllers');
    expect(script).toContain('cgroup.subtree_control');
    expect(script).toContain('-d 127.0.0.11/-d 10.1.1.1/g');
    expect(script.trimEnd().endsWith('exec /bin/k3s "$@"')).toBe(true);
    expect(master1.files.find((file) => file.path === NODE_ENTRYPOINT_PATH)?.mode).toBe(0o755);
  });

  it('publishes the API server on 127.0.0.1 and NodePort 30080 on the server only', () => {
    expect(master1.create.HostConfig?.PortBindings).toEqual({
      '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '6443' }],
      '30080/tcp': [{ HostIp: '127.0.0.1', HostPort: '30080' }],
    });
    expect(master1.create.ExposedPorts).toEqual({ '6443/tcp': {}, '30080/tcp': {} });
    expect(worker1.create.HostConfig?.PortBindings).toEqual({});
  });

  it('uses the fallback ports chosen when the preferred ones are taken', () => {
    const fallback = planEnvironment(resolveEnvConfig(), { ...inputs, apiHostPort: 41234, nodePortHostPorts: { 30080: 40080 } });
    expect(fallback.nodes[0]?.create.HostConfig?.PortBindings?.['30080/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '40080' }]);
    expect(fallback.apiServer.url).toBe('https://127.0.0.1:41234');
    expect(fallback.nodePorts).toEqual([{ nodePort: 30080, hostPort: 40080 }]);
  });

  it('labels every container with managed, env, role and node', () => {
    expect(master1.create.Labels).toMatchObject({ 'dev.labdeck.managed': 'true', 'dev.labdeck.env': 'labdeck', 'dev.labdeck.role': 'server', 'dev.labdeck.node': 'master1' });
    expect(worker1.create.Labels).toMatchObject({ 'dev.labdeck.role': 'agent', 'dev.labdeck.node': 'worker1' });
    expect(plan.jumphost.create.Labels).toMatchObject({ 'dev.labdeck.managed': 'true', 'dev.labdeck.role': 'jumphost' });
    expect(plan.verifier.create.Labels).toMatchObject({ 'dev.labdeck.role': 'verifier' });
  });
});

describe('k3s configuration written to /etc/rancher/k3s/config.yaml', () => {
  const server = parse(fileOf(master1, K3S_CONFIG_PATH)) as Record<string, unknown>;
  const agent = parse(fileOf(worker1, K3S_CONFIG_PATH)) as Record<string, unknown>;

  it('holds the guide cluster ranges, DNS address and SANs on the server', () => {
    expect(server).toMatchObject({
      'cluster-cidr': '10.244.0.0/16',
      'service-cidr': '10.96.0.0/12',
      'cluster-dns': '10.96.0.10',
      'tls-san': ['master1', '10.1.1.10'],
      disable: ['traefik', 'servicelb', 'metrics-server'],
      'flannel-backend': 'host-gw',
      'node-name': 'master1',
      'node-ip': '10.1.1.10',
    });
  });

  it('runs kube-proxy in iptables mode and uses an explicit resolv.conf on every node', () => {
    for (const config of [server, agent]) {
      expect(config['kube-proxy-arg']).toEqual(['proxy-mode=iptables']);
      expect(config['resolv-conf']).toBe(NODE_RESOLV_CONF_PATH);
    }
    expect(fileOf(master1, NODE_RESOLV_CONF_PATH)).toContain('nameserver 10.1.1.1');
  });

  it('keeps server-only settings off agents', () => {
    expect(agent).not.toHaveProperty('cluster-cidr');
    expect(agent).not.toHaveProperty('flannel-backend');
    expect(agent['node-name']).toBe('worker1');
  });

  it('adds fail-cgroupv1=false only for releases whose kubelet refuses cgroup v1', () => {
    expect(needsFailCgroupV1False('v1.33.4+k3s1')).toBe(false);
    expect(needsFailCgroupV1False('v1.35.0+k3s1')).toBe(true);
    expect(server).not.toHaveProperty('kubelet-arg');
    const newer = planEnvironment(resolveEnvConfig({ k3s: { version: 'v1.35.0+k3s1', image: 'rancher/k3s:v1.35.0-k3s1' } }), inputs);
    const newerConfig = parse(newer.nodes[1]?.files.find((file) => file.path === K3S_CONFIG_PATH)?.content ?? '') as Record<string, unknown>;
    expect(newerConfig['kubelet-arg']).toEqual(['fail-cgroupv1=false']);
  });
});

describe('jumphost and verifier', () => {
  it('have NET_ADMIN, init, the jumphost image, cluster DNS and search domains', () => {
    for (const toolbox of [plan.jumphost, plan.verifier]) {
      const host = toolbox.create.HostConfig ?? {};
      expect(host.CapAdd).toEqual(['NET_ADMIN']);
      expect(host.Privileged).toBeUndefined();
      expect(host.Init).toBe(true);
      expect(host.Dns).toEqual(['10.96.0.10']);
      expect(host.DnsSearch).toEqual(['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
      expect(toolbox.create.Image).toBe(JUMPHOST_IMAGE);
    }
    expect(plan.jumphost.create.Hostname).toBe('jumphost');
  });
});

describe('proxy and company CA', () => {
  it('passes proxies with the cluster ranges in NO_PROXY, and copies the CA to nodes and jumphost', () => {
    const config = resolveEnvConfig({ proxy: { httpProxy: 'http://proxy.corp:3128', httpsProxy: 'http://proxy.corp:3128', noProxy: ['.corp'] } });
    const withProxy = planEnvironment(config, { ...inputs, companyCaPem: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' });
    const env = withProxy.nodes[0]?.create.Env ?? [];
    expect(env).toContain('HTTPS_PROXY=http://proxy.corp:3128');
    const noProxy = env.find((entry) => entry.startsWith('NO_PROXY='))?.split('=')[1]?.split(',') ?? [];
    expect(noProxy).toEqual(expect.arrayContaining(['10.1.1.0/24', '10.244.0.0/16', '10.96.0.0/12', '.cluster.local', 'master1', '.corp']));
    expect(withProxy.nodes[0]?.files.map((file) => file.path)).toContain('/etc/labdeck/company-ca.pem');
    expect(withProxy.jumphost.files.map((file) => file.path)).toContain('/usr/local/share/ca-certificates/labdeck-company-ca.crt');
    expect(plan.nodes[0]?.create.Env?.some((entry) => entry.includes('PROXY'))).toBe(false);
  });
});

describe('configuration checks', () => {
  it('rejects fixed addresses inside Docker’s automatic range or outside the subnet', () => {
    expect(() => resolveEnvConfig({ jumphost: { ip: '10.1.1.200' } })).toThrow(/assigns automatically/);
    expect(() => resolveEnvConfig({ jumphost: { ip: '10.1.2.5' } })).toThrow(/outside the lab subnet/);
    expect(() => resolveEnvConfig({ nodes: [{ name: 'a', role: 'agent', ip: '10.1.1.9' }] })).toThrow(/exactly one server/);
  });
});

describe('pinned versions', () => {
  const dockerfile = fs.readFileSync(path.resolve(import.meta.dirname, '../../../resources/jumphost/Dockerfile'), 'utf8');
  it('the jumphost Dockerfile takes kubectl from the same k3s image the nodes run', () => {
    expect(dockerfile).toContain(`ARG K3S_IMAGE=${K3S_IMAGE}`);
    expect(K3S_IMAGE).toBe(`rancher/k3s:${K3S_VERSION.replace('+', '-')}`);
  });
  it('the jumphost image tag matches resources/jumphost/VERSION', () => {
    const version = fs.readFileSync(path.resolve(import.meta.dirname, '../../../resources/jumphost/VERSION'), 'utf8').trim();
    expect(JUMPHOST_VERSION).toBe(version);
  });
});
