import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { resolveEnvConfig } from './config.ts';
import { FLANNEL_MANIFEST_PATH, KUBEADM_CONFIG_PATH, mirrorHostsPath } from './kubeadm-config.ts';
import { COMPANY_CA_NODE_PATH, NODE_VOLUME_TARGET, PLAN_VERSION, planEnvironment, REGISTRY_VOLUME_TARGET, type PlanInputs, type PlannedContainer } from './plan.ts';
import { ALMOST_PRIVILEGED_CAPABILITIES } from './privilege.ts';
import { JUMPHOST_IMAGE, NODE_IMAGE, REGISTRY_IMAGE } from './versions.ts';

const TOKEN = 'abcdef.0123456789abcdef';
const inputs: PlanInputs = { token: TOKEN, privilege: 'privileged', apiHostPort: 6443, registryHostPort: 41000, nodePortHostPorts: { 30080: 30080 } };
const plan = planEnvironment(resolveEnvConfig(), inputs);
const almost = planEnvironment(resolveEnvConfig(), { ...inputs, privilege: 'almost' });
const byName = (name: string): PlannedContainer => {
  const found = [...plan.nodes, plan.registry, plan.jumphost, plan.verifier].find((container) => container.name === name);
  if (!found) throw new Error(`no ${name} in plan`);
  return found;
};
const master1 = byName('master1');
const worker1 = byName('worker1');
const fileOf = (container: PlannedContainer, filePath: string) => container.files.find((file) => file.path === filePath);

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

  it('turns off source NAT when the configuration says so (test machines sharing an engine)', () => {
    const quiet = planEnvironment(resolveEnvConfig({ network: { masquerade: false } }), inputs);
    expect(quiet.network.Options).toEqual({ 'com.docker.network.bridge.enable_ip_masquerade': 'false' });
    expect(plan.network).not.toHaveProperty('Options');
  });
});

describe("node containers, item by item against kind's (providers/docker/provision.go)", () => {
  it('names, hostnames and fixed addresses follow the guide; the control plane comes first', () => {
    expect(plan.nodes.map((node) => [node.create.name, node.create.Hostname, node.ip, node.role])).toEqual([
      ['master1', 'master1', '10.1.1.10', 'server'],
      ['worker1', 'worker1', '10.1.1.7', 'agent'],
      ['worker2', 'worker2', '10.1.1.8', 'agent'],
    ]);
    expect(master1.create.NetworkingConfig?.EndpointsConfig?.['labdeck-net']).toEqual({ IPAMConfig: { IPv4Address: '10.1.1.10' }, Aliases: ['master1'] });
  });

  it("as kind: seccomp and AppArmor unconfined, a private cgroup namespace, tmpfs /run and /tmp, /var on a volume", () => {
    for (const node of [...plan.nodes, ...almost.nodes]) {
      const host = node.create.HostConfig ?? {};
      expect(host.SecurityOpt).toEqual(['seccomp=unconfined', 'apparmor=unconfined']);
      expect(host.CgroupnsMode).toBe('private');
      expect(Object.keys(host.Tmpfs ?? {}).sort()).toEqual(['/run', '/tmp']);
      expect(host.Tmpfs?.['/tmp']).toContain('exec');
      expect(host.Mounts?.map((mount) => [mount.Type, mount.Target])).toEqual([['volume', NODE_VOLUME_TARGET]]);
      expect(node.create.Image).toBe(NODE_IMAGE);
      // The image's entrypoint prepares the node and supervises containerd and the kubelet.
      expect(node.create.Entrypoint).toBeUndefined();
      expect(node.create.Cmd).toBeUndefined();
    }
  });

  it("unlike kind, whose nodes boot systemd: docker-init as PID 1, and restarted unless stopped (kind: on-failure:1)", () => {
    for (const node of plan.nodes) {
      expect(node.create.HostConfig?.Init).toBe(true);
      expect(node.create.HostConfig?.RestartPolicy).toEqual({ Name: 'unless-stopped', MaximumRetryCount: 0 });
    }
  });

  it('privileged, as kind runs its nodes, where the engine allows it', () => {
    for (const node of plan.nodes) {
      const host = node.create.HostConfig ?? {};
      expect(host.Privileged).toBe(true);
      expect(host.CapAdd).toBeUndefined();
      expect(host.Devices).toBeUndefined();
      expect(node.create.Labels?.['dev.labdeck.privilege']).toBe('privileged');
    }
    expect(plan.privilege).toBe('privileged');
  });

  it('almost privileged where the engine refuses: every capability but SYS_RESOURCE, every device, /dev/kmsg', () => {
    for (const node of almost.nodes) {
      const host = node.create.HostConfig ?? {};
      expect(host.Privileged).toBe(false);
      expect(host.CapAdd).toEqual([...ALMOST_PRIVILEGED_CAPABILITIES]);
      expect(host.DeviceCgroupRules).toEqual(['a *:* rmw']);
      expect(host.Devices).toEqual([{ PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm' }]);
      expect(node.create.Labels?.['dev.labdeck.privilege']).toBe('almost');
    }
    const caps: string[] = almost.nodes[0]?.create.HostConfig?.CapAdd ?? [];
    expect(caps).not.toContain('SYS_RESOURCE');
    // What containerd, the kubelet, kube-proxy and flannel need.
    expect(caps).toEqual(expect.arrayContaining(['SYS_ADMIN', 'NET_ADMIN', 'NET_RAW', 'SYS_PTRACE', 'SETFCAP', 'MKNOD', 'SYS_MODULE']));
    // Names Docker 20.10 knows: it rejects BPF, PERFMON and CHECKPOINT_RESTORE.
    expect(caps.filter((cap) => ['BPF', 'PERFMON', 'CHECKPOINT_RESTORE'].includes(cap))).toEqual([]);
    expect(new Set(caps).size).toBe(caps.length);
    expect(almost.privilege).toBe('almost');
  });

  it("keeps each node's /var in a labelled named volume, so `down` finds it even after the container is gone", () => {
    const mount = master1.create.HostConfig?.Mounts?.[0];
    expect(mount).toMatchObject({ Type: 'volume', Source: 'labdeck-master1-var', Target: '/var' });
    expect(mount?.VolumeOptions?.Labels).toEqual({ 'dev.labdeck.managed': 'true', 'dev.labdeck.env': 'labdeck', 'dev.labdeck.role': 'server', 'dev.labdeck.node': 'master1' });
    expect(plan.volumes.map((volume) => volume.name)).toEqual(['labdeck-master1-var', 'labdeck-worker1-var', 'labdeck-worker2-var', 'labdeck-registry-var-lib-registry']);
  });

  it('publishes the API server on 127.0.0.1 and NodePort 30080 on the server only', () => {
    expect(master1.create.HostConfig?.PortBindings).toEqual({
      '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '6443' }],
      '30080/tcp': [{ HostIp: '127.0.0.1', HostPort: '30080' }],
    });
    expect(master1.create.ExposedPorts).toEqual({ '6443/tcp': {}, '30080/tcp': {} });
    expect(worker1.create.HostConfig?.PortBindings).toEqual({});
    expect(plan.apiServer).toEqual({ hostIp: '127.0.0.1', hostPort: 6443, url: 'https://127.0.0.1:6443' });
  });

  it('uses the fallback ports chosen when the preferred ones are taken', () => {
    const fallback = planEnvironment(resolveEnvConfig(), { ...inputs, apiHostPort: 41234, nodePortHostPorts: { 30080: 40080 } });
    expect(fallback.nodes[0]?.create.HostConfig?.PortBindings?.['30080/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '40080' }]);
    expect(fallback.apiServer.url).toBe('https://127.0.0.1:41234');
    expect(fallback.nodePorts).toEqual([{ nodePort: 30080, hostPort: 40080 }]);
  });

  it('labels every container with managed, env, role, node and the plan version', () => {
    expect(master1.create.Labels).toEqual({
      'dev.labdeck.managed': 'true',
      'dev.labdeck.env': 'labdeck',
      'dev.labdeck.role': 'server',
      'dev.labdeck.node': 'master1',
      'dev.labdeck.plan-version': PLAN_VERSION,
      'dev.labdeck.privilege': 'privileged',
    });
    expect(worker1.create.Labels).toMatchObject({ 'dev.labdeck.role': 'agent', 'dev.labdeck.node': 'worker1' });
    expect(plan.registry.create.Labels).toMatchObject({ 'dev.labdeck.managed': 'true', 'dev.labdeck.role': 'registry', 'dev.labdeck.plan-version': PLAN_VERSION });
    expect(plan.jumphost.create.Labels).toMatchObject({ 'dev.labdeck.managed': 'true', 'dev.labdeck.role': 'jumphost', 'dev.labdeck.plan-version': PLAN_VERSION });
    expect(plan.verifier.create.Labels).toMatchObject({ 'dev.labdeck.role': 'verifier' });
  });

  it('is pure: the same configuration and inputs give the same requests', () => {
    expect(planEnvironment(resolveEnvConfig(), inputs)).toEqual(plan);
  });
});

describe('files copied into the nodes before their first start', () => {
  it('every node: containerd asks the registry mirror first for docker.io and registry.k8s.io', () => {
    for (const node of plan.nodes) {
      expect(node.files.map((file) => file.path)).toEqual(expect.arrayContaining([mirrorHostsPath('docker.io'), mirrorHostsPath('registry.k8s.io')]));
      expect(fileOf(node, mirrorHostsPath('docker.io'))?.content).toContain('[host."http://10.1.1.3:5000"]');
    }
  });

  it("master1 only: kubeadm's configuration with the bootstrap token (mode 0600) and the flannel manifest", () => {
    const kubeadm = fileOf(master1, KUBEADM_CONFIG_PATH);
    expect(kubeadm?.mode).toBe(0o600);
    const kinds = parseAllDocuments(kubeadm?.content ?? '').map((doc) => (doc.toJS() as { kind: string }).kind);
    expect(kinds).toEqual(['InitConfiguration', 'ClusterConfiguration', 'KubeletConfiguration', 'KubeProxyConfiguration']);
    expect(kubeadm?.content).toContain(`token: ${TOKEN}`);
    expect(fileOf(master1, FLANNEL_MANIFEST_PATH)?.content).toContain('name: kube-flannel-ds');
    for (const worker of plan.nodes.slice(1)) {
      expect(worker.files.map((file) => file.path).sort()).toEqual([mirrorHostsPath('docker.io'), mirrorHostsPath('registry.k8s.io')].sort());
    }
  });

  it('the token appears nowhere but in that file: not in any environment, label or command', () => {
    const { files: _files, ...serverRequest } = master1;
    const everythingElse = JSON.stringify([serverRequest, ...plan.nodes.slice(1), plan.registry, plan.jumphost, plan.verifier, plan.network]);
    expect(everythingElse).not.toContain(TOKEN);
  });
});

describe('registry mirror container', () => {
  it('serves on 10.1.1.3:5000 from a labelled volume, published on 127.0.0.1 for the engine to push to', () => {
    const registry = plan.registry;
    expect(registry).toMatchObject({ name: 'registry', role: 'registry', ip: '10.1.1.3', files: [] });
    expect(registry.create).toMatchObject({ name: 'registry', Hostname: 'registry', Image: REGISTRY_IMAGE });
    expect(registry.create.Cmd).toEqual(['registry', 'serve', '--address', ':5000', '--disk', REGISTRY_VOLUME_TARGET]);
    expect(registry.create.HostConfig?.PortBindings).toEqual({ '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '41000' }] });
    expect(registry.create.HostConfig?.Mounts).toEqual([
      expect.objectContaining({ Type: 'volume', Source: 'labdeck-registry-var-lib-registry', Target: REGISTRY_VOLUME_TARGET, VolumeOptions: expect.objectContaining({ Labels: expect.objectContaining({ 'dev.labdeck.env': 'labdeck', 'dev.labdeck.role': 'registry' }) }) }),
    ]);
    expect(registry.create.HostConfig?.Privileged).toBeUndefined();
    expect(registry.create.NetworkingConfig?.EndpointsConfig?.['labdeck-net']).toEqual({ IPAMConfig: { IPv4Address: '10.1.1.3' }, Aliases: ['registry'] });
    expect(plan.images).toEqual({ node: NODE_IMAGE, jumphost: JUMPHOST_IMAGE, registry: REGISTRY_IMAGE, workload: resolveEnvConfig().workloadImages });
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
    expect(plan.jumphost.ip).toBe('10.1.1.5');
    expect(plan.verifier.ip).toBe('10.1.1.6');
  });
});

describe('proxy and company CA', () => {
  it('passes proxies with the cluster ranges and the mirror in NO_PROXY, and copies the CA to nodes and jumphost', () => {
    const config = resolveEnvConfig({ proxy: { httpProxy: 'http://proxy.corp:3128', httpsProxy: 'http://proxy.corp:3128', noProxy: ['.corp'] } });
    const withProxy = planEnvironment(config, { ...inputs, companyCaPem: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' });
    const env = withProxy.nodes[0]?.create.Env ?? [];
    expect(env).toContain('HTTPS_PROXY=http://proxy.corp:3128');
    const noProxy = env.find((entry) => entry.startsWith('NO_PROXY='))?.split('=')[1]?.split(',') ?? [];
    expect(noProxy).toEqual(expect.arrayContaining(['10.1.1.0/24', '10.244.0.0/16', '10.96.0.0/12', '.cluster.local', 'master1', 'registry', '10.1.1.3', '.corp']));
    expect(withProxy.nodes.every((node) => node.files.some((file) => file.path === COMPANY_CA_NODE_PATH))).toBe(true);
    expect(withProxy.jumphost.files.map((file) => file.path)).toContain('/usr/local/share/ca-certificates/labdeck-company-ca.crt');
    expect(plan.nodes[0]?.create.Env?.some((entry) => entry.includes('PROXY'))).toBe(false);
  });
});

describe('configuration checks', () => {
  it('rejects fixed addresses inside Docker’s automatic range, outside the subnet, or taken twice', () => {
    expect(() => resolveEnvConfig({ jumphost: { ip: '10.1.1.200' } })).toThrow(/assigns automatically/);
    expect(() => resolveEnvConfig({ jumphost: { ip: '10.1.2.5' } })).toThrow(/outside the lab subnet/);
    expect(() => resolveEnvConfig({ registry: { ip: '10.1.1.130' } })).toThrow(/assigns automatically/);
    expect(() => resolveEnvConfig({ registry: { ip: '10.1.1.5' } })).toThrow(/Fixed addresses must be unique/);
    expect(() => resolveEnvConfig({ registry: { name: 'master1' } })).toThrow(/Container names must be unique/);
    expect(() => resolveEnvConfig({ nodes: [{ name: 'a', role: 'agent', ip: '10.1.1.9' }] })).toThrow(/exactly one server/);
    expect(() => resolveEnvConfig({ kubernetes: { version: 'v1.33.4+k8s1' } })).toThrow(/Kubernetes release/);
  });
});
