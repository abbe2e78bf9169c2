/**
 * Commands the lab texts tell the attendee to type, each pinned with the exit code the real tool returns for
 * it on the lab cluster and a piece of its real output. guide-commands.cluster.test.ts types each one verbatim
 * (placeholders the text asks the attendee to fill in are filled in from the cluster) in the real jumphost or
 * node, in the world labs 1.5-1.9 build, and checks that no command check of the labs demands another exit
 * code for it.
 *
 * `text` must still be in `file` (the test fails when the lab text changes, so this list follows the labs).
 */
export interface GuideCommand {
  id: string;
  labId: string;
  stepId: string;
  /** The lab file that tells the attendee to type it. */
  file: string;
  /** The line as the text gives it. */
  text: string;
  /** Where it is typed: the jumphost (bash as ubuntu, in a terminal) or a node terminal (sh as root). */
  where: 'jumphost' | 'master1' | 'worker1' | 'worker2';
  /** The real exit code. */
  exitCode: number;
  /** What the real output shows (matched against stdout and stderr together). */
  output?: RegExp;
  /** Why the exit code is not 0, or what else is worth knowing. */
  note?: string;
}

const exec = (stepId: string, file: string, id: string, name: string, exitCode: number, output: RegExp, note?: string): GuideCommand => ({
  id,
  labId: '1.7',
  stepId,
  file,
  text: `kubectl exec -it alpine -- nslookup ${name}`,
  where: 'jumphost',
  exitCode,
  output,
  ...(note ? { note } : {}),
});

export const GUIDE_COMMANDS: readonly GuideCommand[] = [
  // Lab 1.1
  { id: '1.1-get-nodes-wide', labId: '1.1', stepId: 'get-nodes', file: 'labs/1.1-kubectl-kubeconfig/steps/get-nodes-solution.md', text: 'kubectl get nodes -o wide', where: 'jumphost', exitCode: 0, output: /master1 +Ready +control-plane .* 10\.1\.1\.10 / },
  { id: '1.1-taints', labId: '1.1', stepId: 'get-nodes', file: 'labs/1.1-kubectl-kubeconfig/lab.yaml', text: 'kubectl describe node master1 | grep Taints', where: 'jumphost', exitCode: 0, output: /Taints: +node-role\.kubernetes\.io\/control-plane:NoSchedule/ },
  { id: '1.1-current-context', labId: '1.1', stepId: 'kubeconfig', file: 'labs/1.1-kubectl-kubeconfig/lab.yaml', text: 'kubectl config current-context', where: 'jumphost', exitCode: 0, output: /^kubernetes-admin@kubernetes$/m },
  { id: '1.1-raw-version', labId: '1.1', stepId: 'kubeconfig', file: 'labs/1.1-kubectl-kubeconfig/lab.yaml', text: 'kubectl get --raw /version', where: 'jumphost', exitCode: 0, output: /"gitVersion": ?"v1\.33\.\d+"/ },
  { id: '1.1-anonymous-version', labId: '1.1', stepId: 'kubeconfig', file: 'labs/1.1-kubectl-kubeconfig/lab.yaml', text: 'curl -k https://10.1.1.10:6443/version', where: 'jumphost', exitCode: 0, output: /"gitVersion": ?"v1\.33\.\d+"/, note: 'kubeadm leaves anonymous requests on; RBAC lets system:unauthenticated read /version' },

  // Lab 1.5: curl from the jumphost
  { id: '1.5-curl-pod', labId: '1.5', stepId: 'curl-from-jumphost', file: 'labs/1.5-services/lab.yaml', text: "curl http://$(kubectl get pod nginx -o jsonpath='{.status.podIP}')", where: 'jumphost', exitCode: 0, output: /Welcome to nginx/ },
  { id: '1.5-curl-service', labId: '1.5', stepId: 'curl-from-jumphost', file: 'labs/1.5-services/lab.yaml', text: "curl http://$(kubectl get service nginx -o jsonpath='{.spec.clusterIP}')", where: 'jumphost', exitCode: 0, output: /Welcome to nginx/ },
  { id: '1.5-curl-nodeport', labId: '1.5', stepId: 'curl-from-jumphost', file: 'labs/1.5-services/steps/curl-from-jumphost-solution.md', text: 'curl http://10.1.1.7:30080', where: 'jumphost', exitCode: 0, output: /Welcome to nginx/ },

  // Lab 1.6: the pod subnet in kubeadm's manifest, flannel on the node
  { id: '1.6-controller-manager-manifest', labId: '1.6', stepId: 'pod-subnet', file: 'labs/1.6-cni/steps/pod-subnet-solution.md', text: 'cat /etc/kubernetes/manifests/kube-controller-manager.yaml', where: 'master1', exitCode: 0, output: /--allocate-node-cidrs=true[\s\S]*--cluster-cidr=10\.244\.0\.0\/16[\s\S]*--service-cluster-ip-range=10\.96\.0\.0\/12/ },
  { id: '1.6-pod-cidrs', labId: '1.6', stepId: 'pod-subnet', file: 'labs/1.6-cni/steps/pod-subnet-solution.md', text: "kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.podCIDR}{\"\\n\"}{end}'", where: 'jumphost', exitCode: 0, output: /^master1\t10\.244\.\d+\.0\/24$/m },
  { id: '1.6-daemonsets', labId: '1.6', stepId: 'flannel', file: 'labs/1.6-cni/steps/flannel-solution.md', text: 'kubectl get daemonset -n kube-system', where: 'jumphost', exitCode: 0, output: /kube-flannel-ds +3 +3 +3 +3 +3 [\s\S]*kube-proxy +3 +3 +3 +3 +3 |kube-proxy +3 +3 +3 +3 +3 [\s\S]*kube-flannel-ds +3 +3 +3 +3 +3 / },
  { id: '1.6-flannel-configmap', labId: '1.6', stepId: 'flannel', file: 'labs/1.6-cni/steps/flannel-solution.md', text: 'kubectl get configmap kube-flannel-cfg -n kube-system -o yaml', where: 'jumphost', exitCode: 0, output: /"Network": "10\.244\.0\.0\/16"[\s\S]*"Type": "vxlan"/ },
  { id: '1.6-describe-worker1', labId: '1.6', stepId: 'flannel', file: 'labs/1.6-cni/steps/flannel-solution.md', text: 'kubectl describe node worker1', where: 'jumphost', exitCode: 0, output: /flannel\.alpha\.coreos\.com\/backend-type: vxlan/ },
  { id: '1.6-ip-route', labId: '1.6', stepId: 'flannel', file: 'labs/1.6-cni/steps/flannel-solution.md', text: 'ip route', where: 'worker1', exitCode: 0, output: /^10\.244\.\d+\.0\/24 via 10\.244\.\d+\.0 dev flannel\.1 onlink/m },
  { id: '1.6-ip-addr-cni0', labId: '1.6', stepId: 'flannel', file: 'labs/1.6-cni/steps/flannel-solution.md', text: 'ip addr show cni0', where: 'worker1', exitCode: 0, output: /inet 10\.244\.\d+\.1\/24 .*cni0/ },
  { id: '1.6-flannel-vxlan', labId: '1.6', stepId: 'flannel', file: 'labs/1.6-cni/steps/flannel-solution.md', text: 'ip -d link show flannel.1', where: 'worker1', exitCode: 0, output: /vxlan id 1 local 10\.1\.1\.7 dev eth0 srcport 0 0 dstport 8472/ },

  // Lab 1.7: CoreDNS, and busybox nslookup in the alpine pod through kubectl exec
  { id: '1.7-coredns-configmap', labId: '1.7', stepId: 'coredns', file: 'labs/1.7-dns/steps/coredns-solution.md', text: 'kubectl get configmap coredns -n kube-system -o yaml', where: 'jumphost', exitCode: 0, output: /kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{\s*\n\s*pods insecure/ },
  { id: '1.7-kube-dns-service', labId: '1.7', stepId: 'coredns', file: 'labs/1.7-dns/steps/coredns-solution.md', text: 'kubectl get service -n kube-system', where: 'jumphost', exitCode: 0, output: /kube-dns +ClusterIP +10\.96\.0\.10 / },
  { id: '1.7-resolv-conf', labId: '1.7', stepId: 'run-busybox', file: 'labs/1.7-dns/lab.yaml', text: 'kubectl exec -it alpine -- cat /etc/resolv.conf', where: 'jumphost', exitCode: 0, output: /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local[\s\S]*nameserver 10\.96\.0\.10/ },
  exec('lookup-service', 'labs/1.7-dns/steps/lookup-service-solution.md', '1.7-nslookup-service-fqdn', 'nginx.default.svc.cluster.local', 0, /Name:\s*nginx\.default\.svc\.cluster\.local\s*\nAddress: 10\.\d+\.\d+\.\d+/),
  exec('lookup-service', 'labs/1.7-dns/steps/lookup-service-solution.md', '1.7-nslookup-service-short', 'nginx', 1, /Name:\s*nginx\.default\.svc\.cluster\.local/, 'busybox nslookup exits 1: the search list also yields NXDOMAIN answers, though the name is found'),
  exec('across-namespaces', 'labs/1.7-dns/steps/across-namespaces-solution.md', '1.7-nslookup-kube-dns-short', 'kube-dns', 1, /NXDOMAIN/),
  exec('across-namespaces', 'labs/1.7-dns/steps/across-namespaces-solution.md', '1.7-nslookup-kube-dns-namespace', 'kube-dns.kube-system', 1, /./, 'busybox nslookup sends a dotted name unchanged: CoreDNS forwards it upstream'),
  exec('across-namespaces', 'labs/1.7-dns/steps/across-namespaces-solution.md', '1.7-nslookup-kube-dns-fqdn', 'kube-dns.kube-system.svc.cluster.local', 0, /Address: 10\.96\.0\.10/),
  { id: '1.7-wget-search-list', labId: '1.7', stepId: 'across-namespaces', file: 'labs/1.7-dns/steps/across-namespaces-solution.md', text: 'kubectl exec -it alpine -- wget -qO- http://nginx.default', where: 'jumphost', exitCode: 0, output: /Welcome to nginx/ },
  exec('pod-records', 'labs/1.7-dns/steps/pod-records.md', '1.7-nslookup-pod-record', '10-244-1-5.default.pod.cluster.local', 0, /Address: 10\.244\.\d+\.\d+/, "10-244-1-5 is the text's example: replaced by the nginx pod's address"),
  exec('pod-records', 'labs/1.7-dns/steps/pod-records.md', '1.7-nslookup-no-such-pod', '10-244-99-99.default.pod.cluster.local', 0, /Address: 10\.244\.99\.99/, 'CoreDNS `pods insecure` answers any address-shaped name'),
  { id: '1.7-ping-pod-record', labId: '1.7', stepId: 'pod-records', file: 'labs/1.7-dns/steps/pod-records.md', text: 'kubectl exec -it alpine -- ping -c 3 10-244-1-5.default.pod.cluster.local', where: 'jumphost', exitCode: 0, output: /3 packets transmitted, 3 packets received/ },

  // Lab 1.8: the ClusterIP and kube-proxy's rules
  { id: '1.8-curl-clusterip', labId: '1.8', stepId: 'clusterip-basics', file: 'labs/1.8-clusterip/steps/clusterip-basics-solution.md', text: "curl http://$(kubectl get service nginx -o jsonpath='{.spec.clusterIP}')", where: 'jumphost', exitCode: 0, output: /Welcome to nginx/ },
  { id: '1.8-kube-proxy-log', labId: '1.8', stepId: 'kube-proxy-rules', file: 'labs/1.8-clusterip/steps/kube-proxy-rules.md', text: 'kubectl logs kube-proxy-xxxxx -n kube-system', where: 'jumphost', exitCode: 0, output: /"Using iptables Proxier"/, note: 'kube-proxy-xxxxx replaced by the name of the kube-proxy pod on worker1' },
  { id: '1.8-kube-proxy-logs-all', labId: '1.8', stepId: 'kube-proxy-rules', file: 'labs/1.8-clusterip/steps/kube-proxy-rules.md', text: 'kubectl logs -n kube-system -l k8s-app=kube-proxy --prefix --tail=-1 | grep Proxier', where: 'jumphost', exitCode: 0, output: /^\[pod\/kube-proxy-[a-z0-9]{5}\/kube-proxy\] .*"Using iptables Proxier"/m },
  { id: '1.8-kube-services', labId: '1.8', stepId: 'kube-proxy-rules', file: 'labs/1.8-clusterip/steps/kube-proxy-rules.md', text: 'iptables -t nat -L KUBE-SERVICES -n', where: 'worker1', exitCode: 0, output: /KUBE-SVC-[A-Z0-9]{16} +(tcp|6) +-- +0\.0\.0\.0\/0 +10\.\d+\.\d+\.\d+ +\/\* default\/nginx:http cluster IP \*\//, note: 'iptables-nft 1.8.9 prints the protocol as its number (6)' },
  { id: '1.8-kube-services-grep', labId: '1.8', stepId: 'kube-proxy-rules', file: 'labs/1.8-clusterip/steps/kube-proxy-rules.md', text: 'iptables -t nat -L KUBE-SERVICES -n | grep default/nginx', where: 'worker1', exitCode: 0, output: /default\/nginx:http cluster IP/ },
  { id: '1.8-kube-svc-chain', labId: '1.8', stepId: 'kube-proxy-rules', file: 'labs/1.8-clusterip/steps/kube-proxy-rules.md', text: "iptables -t nat -L $(iptables -t nat -S KUBE-SERVICES | grep 'default/nginx:http' | grep -o 'KUBE-SVC-[A-Z0-9]*' | head -n 1) -n", where: 'worker1', exitCode: 0, output: /KUBE-SEP-[A-Z0-9]{16} +(all|0) +-- +0\.0\.0\.0\/0 +0\.0\.0\.0\/0 +\/\* default\/nginx:http -> 10\.244\.\d+\.\d+:80 \*\// },
  { id: '1.8-iptables-save-nginx', labId: '1.8', stepId: 'kube-proxy-rules', file: 'labs/1.8-clusterip/steps/kube-proxy-rules-solution.md', text: 'iptables-save -t nat | grep default/nginx', where: 'worker1', exitCode: 0, output: /-j DNAT --to-destination 10\.244\.\d+\.\d+:80/ },
  { id: '1.8-iptables-save-deployment', labId: '1.8', stepId: 'random-backends', file: 'labs/1.8-clusterip/steps/random-backends-solution.md', text: 'iptables-save -t nat | grep default/nginx-deployment', where: 'worker1', exitCode: 0, output: /-m statistic --mode random --probability 0\.33333333349[\s\S]*-m statistic --mode random --probability 0\.50000000000/ },
  { id: '1.8-curl-loop', labId: '1.8', stepId: 'random-backends', file: 'labs/1.8-clusterip/steps/random-backends-solution.md', text: "for i in $(seq 1 12); do curl -s -o /dev/null http://$(kubectl get service nginx-deployment -o jsonpath='{.spec.clusterIP}'); done", where: 'jumphost', exitCode: 0 },
  { id: '1.8-logs-deployment', labId: '1.8', stepId: 'random-backends', file: 'labs/1.8-clusterip/steps/random-backends-solution.md', text: 'kubectl logs -l app=nginx --prefix --tail=20', where: 'jumphost', exitCode: 0, output: /^\[pod\/nginx-deployment-[a-z0-9]+-[a-z0-9]{5}\/nginx\] 10\.\d+\.\d+\.\d+ - - \[/m },

  // Lab 1.9: NodePort on every node, and the rewritten source address
  ...(
    [
      ['worker1', '10.1.1.7'],
      ['worker2', '10.1.1.8'],
      ['master1', '10.1.1.10'],
    ] as const
  ).map(([node, ip]): GuideCommand => ({ id: `1.9-curl-nodeport-${node}`, labId: '1.9', stepId: 'every-node', file: 'labs/1.9-nodeport/steps/every-node-solution.md', text: `curl http://${ip}:30080`, where: 'jumphost', exitCode: 0, output: /Welcome to nginx/ })),
  { id: '1.9-kube-nodeports', labId: '1.9', stepId: 'every-node', file: 'labs/1.9-nodeport/steps/every-node-solution.md', text: 'iptables -t nat -L KUBE-NODEPORTS -n', where: 'worker1', exitCode: 0, output: /KUBE-EXT-[A-Z0-9]{16} +(tcp|6) +-- +0\.0\.0\.0\/0 +0\.0\.0\.0\/0 +\/\* default\/nginx:http \*\/ (tcp|6) dpt:30080/ },
  { id: '1.9-hostname-i', labId: '1.9', stepId: 'source-nat', file: 'labs/1.9-nodeport/steps/source-nat-solution.md', text: 'hostname -i', where: 'jumphost', exitCode: 0, output: /^10\.1\.1\.5\s*$/m },
  { id: '1.9-curl-master1-quiet', labId: '1.9', stepId: 'source-nat', file: 'labs/1.9-nodeport/steps/source-nat-solution.md', text: 'curl -s -o /dev/null http://10.1.1.10:30080', where: 'jumphost', exitCode: 0 },
  { id: '1.9-kubectl-logs-nginx', labId: '1.9', stepId: 'source-nat', file: 'labs/1.9-nodeport/steps/source-nat-solution.md', text: 'kubectl logs nginx --tail=5', where: 'jumphost', exitCode: 0, output: /^10\.244\.\d+\.0 - - \[.*\] "GET \/ HTTP\/1\.1" 200 /m, note: "after the curl to master1:30080, nginx logs master1's flannel.1 address as the client (source NAT), not the jumphost" },
  { id: '1.9-masquerade-rule', labId: '1.9', stepId: 'source-nat', file: 'labs/1.9-nodeport/lab.yaml', text: "iptables-save -t nat | grep 'masquerade traffic for default/nginx'", where: 'master1', exitCode: 0, output: /masquerade traffic for default\/nginx:http external destinations" -j KUBE-MARK-MASQ/ },
  { id: '1.9-port-range', labId: '1.9', stepId: 'port-range', file: 'labs/1.9-nodeport/lab.yaml', text: 'kubectl create service nodeport range-test --tcp=80:80 --node-port=29999', where: 'jumphost', exitCode: 1, output: /provided port is not in the valid range\. The range of valid ports is 30000-32767/ },
];
