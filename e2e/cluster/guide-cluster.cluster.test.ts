import Docker from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { KUBERNETES_VERSION } from '../../electron/node/env/versions.ts';
import { run } from './test-cluster.ts';

/**
 * The workshop guide's cluster facts, each checked on the real kubeadm cluster `labdeck env up` built: what an
 * instructor teaching from the printed guide will point at.
 */
const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();

describe.skipIf(unavailable)(`the guide's kubeadm cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const jumphost = (command: string) => run(docker, 'jumphost', command);

  it('lists master1, worker1 and worker2 on the guide addresses, at the pinned release, with the control-plane taint', async () => {
    const nodes = await jumphost('kubectl get nodes -o wide --no-headers');
    expect(nodes.exitCode).toBe(0);
    const rows = nodes.output.trim().split('\n').map((line) => line.split(/\s+/));
    expect(rows.map(([name, status, roles, , version, ip]) => ({ name, status, roles, version, ip }))).toEqual([
      { name: 'master1', status: 'Ready', roles: 'control-plane', version: KUBERNETES_VERSION, ip: '10.1.1.10' },
      { name: 'worker1', status: 'Ready', roles: '<none>', version: KUBERNETES_VERSION, ip: '10.1.1.7' },
      { name: 'worker2', status: 'Ready', roles: '<none>', version: KUBERNETES_VERSION, ip: '10.1.1.8' },
    ]);
    const taints = await jumphost("kubectl get node master1 -o jsonpath='{.spec.taints[*].key}:{.spec.taints[*].effect}'");
    expect(taints.output).toBe('node-role.kubernetes.io/control-plane:NoSchedule');
  });

  it("shows the guide's kube-system pods: static control plane, kube-proxy, kube-flannel-ds and CoreDNS", async () => {
    const pods = await jumphost("kubectl get pods -n kube-system --no-headers -o custom-columns=NAME:.metadata.name,STATUS:.status.phase");
    const running = new Map(pods.output.trim().split('\n').map((line) => line.split(/\s+/) as [string, string]));
    for (const name of ['etcd-master1', 'kube-apiserver-master1', 'kube-controller-manager-master1', 'kube-scheduler-master1']) {
      expect(running.get(name), name).toBe('Running');
    }
    const byPrefix = (prefix: string) => [...running].filter(([name, phase]) => name.startsWith(prefix) && phase === 'Running').length;
    expect(byPrefix('kube-proxy-')).toBe(3);
    expect(byPrefix('kube-flannel-ds-')).toBe(3);
    expect(byPrefix('coredns-')).toBe(2);
    const dns = await jumphost("kubectl get svc kube-dns -n kube-system -o jsonpath='{.spec.clusterIP}'");
    expect(dns.output).toBe('10.96.0.10');
  });

  it("has the pod and service ranges in master1's kube-controller-manager manifest", async () => {
    const manifest = await run(docker, 'master1', 'cat /etc/kubernetes/manifests/kube-controller-manager.yaml');
    expect(manifest.exitCode).toBe(0);
    expect(manifest.output).toContain('--cluster-cidr=10.244.0.0/16');
    expect(manifest.output).toContain('--service-cluster-ip-range=10.96.0.0/12');
    expect(manifest.output).toContain('--cluster-name=kubernetes');
    const staticPods = await run(docker, 'master1', 'ls /etc/kubernetes/manifests');
    expect(staticPods.output.trim().split('\n').sort()).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
  });

  it("gives the jumphost kubeadm's admin.conf as the guide prints it", async () => {
    const view = await jumphost("kubectl config view -o jsonpath='{.clusters[0].name} {.clusters[0].cluster.server} {.users[0].name} {.current-context}'");
    expect(view.output).toBe('kubernetes https://10.1.1.10:6443 kubernetes-admin kubernetes-admin@kubernetes');
    const client = await jumphost("kubectl version -o json | jq -r '.clientVersion.gitVersion + \" \" + .serverVersion.gitVersion'");
    expect(client.output.trim()).toBe(`${KUBERNETES_VERSION} ${KUBERNETES_VERSION}`);
  });

  it('answers an anonymous /version with 200, as kubeadm configures the API server', async () => {
    const version = await jumphost("curl -sk -o /tmp/version.json -w '%{http_code}' https://10.1.1.10:6443/version && jq -r .gitVersion /tmp/version.json");
    expect(version.output).toMatch(new RegExp(`^200${KUBERNETES_VERSION.replaceAll('.', '\\.')}\\s*$`));
  });

  it('runs kube-proxy in iptables mode: its log says "Using iptables Proxier" and the KUBE chains exist on a node', async () => {
    const pod = (await jumphost("kubectl get pods -n kube-system -l k8s-app=kube-proxy -o jsonpath='{.items[0].metadata.name}'")).output.trim();
    expect(pod).toMatch(/^kube-proxy-[a-z0-9]{5}$/);
    const logs = await jumphost(`kubectl logs ${pod} -n kube-system`);
    expect(logs.output).toContain('Using iptables Proxier');
    const chains = await run(docker, 'worker1', 'iptables -t nat -L KUBE-SERVICES -n');
    expect(chains.exitCode).toBe(0);
    // iptables-nft prints the protocol as its number (6 for tcp).
    expect(chains.output).toMatch(/KUBE-SVC-[A-Z0-9]+ +(tcp|6) +-- +0\.0\.0\.0\/0 +10\.96\.0\.1 /);
  });

  it('runs flannel as kube-flannel-ds in kube-system with a vxlan device, the cni0 bridge and routes to the other nodes', async () => {
    const config = await jumphost("kubectl get configmap kube-flannel-cfg -n kube-system -o jsonpath='{.data.net-conf\\.json}'");
    expect(JSON.parse(config.output)).toMatchObject({ Network: '10.244.0.0/16', Backend: { Type: 'vxlan' } });
    const cidrs = await jumphost("kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.spec.podCIDR} {end}'");
    const podCidr = Object.fromEntries(cidrs.output.trim().split(' ').map((pair) => pair.split('=') as [string, string]));
    const routes = await run(docker, 'worker1', 'ip route');
    for (const other of ['master1', 'worker2']) {
      const subnet = podCidr[other] ?? '';
      expect(routes.output).toContain(`${subnet} via ${subnet.replace(/\/24$/, '')} dev flannel.1 onlink`);
    }
    // flannel's bridge appears with the node's first pod.
    const pod = await jumphost(`kubectl run cni-probe --image=nginx --overrides='{"spec":{"nodeName":"worker1"}}' && kubectl wait --for=condition=Ready pod/cni-probe --timeout=90s`);
    expect(pod.exitCode, pod.output).toBe(0);
    const bridge = await run(docker, 'worker1', 'ip -4 addr show cni0');
    await jumphost('kubectl delete pod cni-probe --wait=false');
    expect(bridge.output).toContain(`inet ${(podCidr.worker1 ?? '').replace(/0\/24$/, '1/24')}`);
  });
});
