import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GUIDE_NAMES, HOST_CONTEXT_NAMES, mergeKubeconfig, parseK3sKubeconfig, renderKubeconfig } from './kubeconfig.ts';

// The shape k3s writes to /etc/rancher/k3s/k3s.yaml (names "default", server on 127.0.0.1:6443).
const k3sYaml = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
`;

describe('kubeconfigs', () => {
  const credentials = parseK3sKubeconfig(k3sYaml);

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
