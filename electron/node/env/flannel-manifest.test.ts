import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { resolveEnvConfig } from './config.ts';
import { renderFlannelManifest } from './flannel-manifest.ts';
import { FLANNEL_IMAGE } from './versions.ts';

// Parsed YAML, read field by field in the expectations.
type Doc = Record<string, any>;

function manifest(input: Parameters<typeof resolveEnvConfig>[0] = {}): Doc[] {
  return parseAllDocuments(renderFlannelManifest(resolveEnvConfig(input))).map((doc) => doc.toJS() as Doc);
}

const find = (docs: Doc[], kind: string) => docs.find((doc) => doc.kind === kind) ?? {};

describe('flannel manifest (kubectl apply -f /etc/labdeck/kube-flannel.yaml on master1)', () => {
  const docs = manifest();

  it("keeps the guide's names: everything in kube-system, DaemonSet kube-flannel-ds, ConfigMap kube-flannel-cfg", () => {
    expect(docs.map((doc) => `${doc.kind}/${doc.metadata.name}`)).toEqual([
      'ServiceAccount/flannel',
      'ClusterRole/flannel',
      'ClusterRoleBinding/flannel',
      'ConfigMap/kube-flannel-cfg',
      'DaemonSet/kube-flannel-ds',
    ]);
    for (const doc of docs.filter((candidate) => candidate.kind !== 'ClusterRole' && candidate.kind !== 'ClusterRoleBinding')) {
      expect(doc.metadata.namespace, doc.kind).toBe('kube-system');
    }
    expect(find(docs, 'ClusterRoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'flannel', namespace: 'kube-system' }]);
  });

  it("net-conf.json: flannel's Network is the pod range, vxlan by default, iptables rather than nftables", () => {
    const data = find(docs, 'ConfigMap').data as Record<string, string>;
    expect(JSON.parse(data['net-conf.json'] ?? '{}')).toEqual({ Network: '10.244.0.0/16', EnableNFTables: false, Backend: { Type: 'vxlan' } });
    const cni = JSON.parse(data['cni-conf.json'] ?? '{}') as { name: string; plugins: { type: string }[] };
    expect(cni.name).toBe('cbr0');
    expect(cni.plugins.map((plugin) => plugin.type)).toEqual(['flannel', 'portmap']);
  });

  it('follows the configured pod range and backend', () => {
    const data = find(manifest({ kubernetes: { podSubnet: '10.50.0.0/16', flannelBackend: 'host-gw' } }), 'ConfigMap').data as Record<string, string>;
    expect(JSON.parse(data['net-conf.json'] ?? '{}')).toMatchObject({ Network: '10.50.0.0/16', Backend: { Type: 'host-gw' } });
  });

  it('runs flanneld on every node (the control plane too) on the host network, from the pinned image', () => {
    const daemonSet = find(docs, 'DaemonSet');
    const pod = daemonSet.spec.template.spec;
    expect(daemonSet.spec.selector.matchLabels).toEqual({ app: 'flannel' });
    expect(daemonSet.spec.template.metadata.labels).toMatchObject({ app: 'flannel' });
    expect(pod.hostNetwork).toBe(true);
    expect(pod.serviceAccountName).toBe('flannel');
    expect(pod.tolerations).toEqual([{ operator: 'Exists', effect: 'NoSchedule' }]);
    const [flanneld] = pod.containers;
    expect(flanneld.image).toBe(FLANNEL_IMAGE);
    expect(flanneld.args).toEqual(['--ip-masq', '--kube-subnet-mgr', '--iface=eth0']);
    expect(flanneld.securityContext.capabilities.add).toEqual(['NET_ADMIN', 'NET_RAW']);
    // The CNI configuration lands where containerd reads it; the plugins themselves are in the node image.
    expect(pod.initContainers.map((container: Doc) => container.name)).toEqual(['install-cni']);
    expect(pod.initContainers[0].args).toEqual(['-f', '/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist']);
    expect(pod.volumes.find((volume: Doc) => volume.name === 'cni').hostPath.path).toBe('/etc/cni/net.d');
  });
});
