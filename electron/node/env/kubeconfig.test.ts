import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GUIDE_NAMES, HOST_CONTEXT_NAMES, mergeKubeconfig, parseAdminKubeconfig, renderKubeconfig } from './kubeconfig.ts';

// The shape kubeadm writes to /etc/kubernetes/admin.conf on the control-plane node: the guide's names
// (cluster kubernetes, user kubernetes-admin), the server at the control-plane endpoint 10.1.1.10:6443.
const adminConf = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://10.1.1.10:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
`;

describe('kubeconfigs', () => {
  const credentials = parseAdminKubeconfig(adminConf);

  it("reads the admin credentials from kubeadm's admin.conf, and refuses one without certificate data", () => {
    expect(credentials).toEqual({ certificateAuthorityData: 'Q0E=', clientCertificateData: 'Q0VSVA==', clientKeyData: 'S0VZ' });
    // A bootstrap-token kubeconfig (what workers join with) has no client certificate: not an admin.conf.
    const tokenConf = adminConf.replace(/    client-certificate-data: .*\n    client-key-data: .*\n/, '    token: abcdef.0123456789abcdef\n');
    expect(() => parseAdminKubeconfig(tokenConf)).toThrow(/lacks certificate data/);
  });

  it('the jumphost gets the guide names and the server address 10.1.1.10', () => {
    const config = parse(renderKubeconfig(credentials, 'https://10.1.1.10:6443', GUIDE_NAMES)) as Record<string, unknown>;
    expect(config).toMatchObject({
      clusters: [{ name: 'kubernetes', cluster: { server: 'https://10.1.1.10:6443', 'certificate-authority-data': 'Q0E=' } }],
      users: [{ name: 'kubernetes-admin', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
      contexts: [{ name: 'kubernetes-admin@kubernetes', context: { cluster: 'kubernetes', user: 'kubernetes-admin' } }],
      'current-context': 'kubernetes-admin@kubernetes',
    });
  });

  it('merging keeps other contexts, comments and the current context, and replaces an older labdeck entry', () => {
    const existing = `# my clusters
apiVersion: v1
kind: Config
current-context: work
clusters:
- name: work
  cluster: { server: https://work.example:6443 }
- name: labdeck
  cluster: { server: https://127.0.0.1:1111 }
users:
- name: me
  user: { token: abc }
contexts:
- name: work
  context: { cluster: work, user: me }
`;
    const ours = renderKubeconfig(credentials, 'https://127.0.0.1:6443', HOST_CONTEXT_NAMES);
    const merged = mergeKubeconfig(existing, ours);
    expect(merged.startsWith('# my clusters')).toBe(true);
    const config = parse(merged) as { clusters: { name: string; cluster: { server: string } }[]; contexts: { name: string }[]; users: { name: string }[]; 'current-context': string };
    expect(config['current-context']).toBe('work');
    expect(config.clusters.map((cluster) => [cluster.name, cluster.cluster.server])).toEqual([
      ['work', 'https://work.example:6443'],
      ['labdeck', 'https://127.0.0.1:6443'],
    ]);
    expect(config.contexts.map((context) => context.name)).toEqual(['work', 'labdeck']);
    expect(config.users.map((user) => user.name)).toEqual(['me', 'labdeck-admin']);
  });

  it('a new file gets the labdeck context as current', () => {
    const merged = parse(mergeKubeconfig(null, renderKubeconfig(credentials, 'https://127.0.0.1:6443', HOST_CONTEXT_NAMES))) as Record<string, unknown>;
    expect(merged['current-context']).toBe('labdeck');
  });

  it('refuses to merge into a broken file instead of overwriting it', () => {
    expect(() => mergeKubeconfig('clusters: [unclosed', 'apiVersion: v1')).toThrow(/not valid YAML/);
  });
});
