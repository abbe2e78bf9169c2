import { findPod, findService, type World } from './world.ts';

/**
 * Commands the workshop guide and the lab texts tell the attendee to type, for the tools that exist in the
 * data plane (curl, busybox nslookup/ping, ip, iptables). guide-commands.integration.test.ts runs each one in
 * the harness and records the real exit code and output in fixtures/guide-commands.json for other tests
 * (command checks, selftest recordings) to use.
 *
 * Each entry names its source: a file of this repository and a piece of text that must still be in it (the
 * test fails when the text is gone, so the list follows the labs), or the workshop guide (seed 004), quoted.
 */
export interface GuideCommand {
  id: string;
  labId: string;
  stepId: string;
  source: { file: string; text: string } | { guide: string };
  /** Where the attendee types it. `pod` commands are what `kubectl exec -it <pod> -- ...` runs in the pod. */
  where: { jumphost: true } | { node: string } | { pod: { namespace: string; name: string } };
  /** What runs: a shell line (jumphost: bash as the attendee; node: sh as root) or, in a pod, the exec argv. */
  run: string | string[];
  /** Variables the guide's earlier lines set with kubectl, which has no API server here: set from the world. */
  env?: (world: World) => Record<string, string>;
  /** How `run` differs from what the attendee types, when it does. */
  note?: string;
  /** For commands whose output is random (load balancing): keep only the exit code. */
  outputIsRandom?: boolean;
}

const alpine = { pod: { namespace: 'default', name: 'alpine' } } as const;
const viaKubectlExec = 'the part after `--` of `kubectl exec -it alpine -- ...`, run without a TTY (kubectl passes the exit code through)';
const clusterIp = (world: World, name: string): string => findService(world, 'default', name).clusterIP;

export const GUIDE_COMMANDS: readonly GuideCommand[] = [
  // Lab 1.5: curl from the jumphost
  ...(['POD_IP', 'CLUSTER_IP'] as const).map(
    (variable): GuideCommand => ({
      id: `1.5-curl-${variable.toLowerCase().replace('_', '-')}`,
      labId: '1.5',
      stepId: 'curl-from-jumphost',
      source: { file: 'labs/1.5-services/steps/curl-from-jumphost-solution.md', text: `curl http://$${variable}` },
      where: { jumphost: true },
      run: `curl http://$${variable}`,
      env: (world) => ({ POD_IP: findPod(world, 'default', 'nginx').ip, CLUSTER_IP: clusterIp(world, 'nginx') }),
      note: 'POD_IP and CLUSTER_IP as the solution sets them with kubectl get -o jsonpath',
    }),
  ),
  { id: '1.5-curl-nodeport', labId: '1.5', stepId: 'curl-from-jumphost', source: { file: 'labs/1.5-services/steps/curl-from-jumphost-solution.md', text: 'curl http://10.1.1.7:30080' }, where: { jumphost: true }, run: 'curl http://10.1.1.7:30080' },

  // Lab 1.6: the node's routes and k3s configuration
  { id: '1.6-ip-route', labId: '1.6', stepId: 'flannel', source: { file: 'labs/1.6-cni/steps/flannel-solution.md', text: 'ip route' }, where: { node: 'worker1' }, run: 'ip route' },
  { id: '1.6-ip-addr-cni0', labId: '1.6', stepId: 'flannel', source: { file: 'labs/1.6-cni/steps/flannel-solution.md', text: 'ip addr show cni0' }, where: { node: 'worker1' }, run: 'ip addr show cni0', outputIsRandom: true, note: 'the MAC address is Docker\'s: only the exit code is compared' },
  { id: '1.6-k3s-config', labId: '1.6', stepId: 'pod-subnet', source: { file: 'labs/1.6-cni/steps/pod-subnet-solution.md', text: 'cat /etc/rancher/k3s/config.yaml' }, where: { node: 'master1' }, run: 'cat /etc/rancher/k3s/config.yaml' },

  // Lab 1.7: busybox nslookup in the alpine pod
  ...[
    ['1.7-nslookup-service-fqdn', 'lookup-service', 'labs/1.7-dns/steps/lookup-service-solution.md', 'nginx.default.svc.cluster.local'],
    ['1.7-nslookup-service-short', 'lookup-service', 'labs/1.7-dns/steps/lookup-service-solution.md', 'nginx'],
    ['1.7-nslookup-kube-dns-short', 'across-namespaces', 'labs/1.7-dns/steps/across-namespaces-solution.md', 'kube-dns'],
    ['1.7-nslookup-kube-dns-namespace', 'across-namespaces', 'labs/1.7-dns/steps/across-namespaces-solution.md', 'kube-dns.kube-system'],
    ['1.7-nslookup-kube-dns-fqdn', 'across-namespaces', 'labs/1.7-dns/steps/across-namespaces-solution.md', 'kube-dns.kube-system.svc.cluster.local'],
    ['1.7-nslookup-pod-record', 'pod-records', 'labs/1.7-dns/steps/pod-records.md', '10-244-1-5.default.pod.cluster.local'],
  ].map(
    ([id = '', stepId = '', file = '', name = '']): GuideCommand => ({
      id,
      labId: '1.7',
      stepId,
      source: { file, text: `kubectl exec -it alpine -- nslookup ${name}` },
      where: alpine,
      run: ['nslookup', name],
      note: viaKubectlExec,
    }),
  ),
  {
    id: '1.7-ping-pod-record',
    labId: '1.7',
    stepId: 'pod-records',
    source: { file: 'labs/1.7-dns/steps/pod-records.md', text: 'kubectl exec -it alpine -- ping -c 3 10-244-1-5.default.pod.cluster.local' },
    where: alpine,
    run: ['ping', '-c', '3', '10-244-1-5.default.pod.cluster.local'],
    note: viaKubectlExec,
    outputIsRandom: true,
  },
  {
    id: '1.7-nslookup-no-such-pod',
    labId: '1.7',
    stepId: 'pod-records',
    source: { file: 'labs/1.7-dns/steps/pod-records.md', text: 'kubectl exec -it alpine -- nslookup 10-244-99-99.default.pod.cluster.local' },
    where: alpine,
    run: ['nslookup', '10-244-99-99.default.pod.cluster.local'],
    note: viaKubectlExec,
  },
  {
    id: '1.7-wget-search-list',
    labId: '1.7',
    stepId: 'across-namespaces',
    source: { file: 'labs/1.7-dns/steps/across-namespaces-solution.md', text: 'kubectl exec -it alpine -- wget -qO- http://nginx.default' },
    where: alpine,
    run: ['wget', '-qO-', 'http://nginx.default'],
    note: viaKubectlExec,
  },
  {
    id: '1.7-nslookup-guide-pod-name',
    labId: '1.7',
    stepId: 'pod-records',
    source: { guide: 'Ping 10-244-5-5.default.pod.cluster.local' },
    where: alpine,
    run: ['nslookup', '10-244-5-5.default.pod.cluster.local'],
    note: 'the guide\'s pod name, looked up instead of pinged (ping never ends without -c): no pod has 10.244.5.5, yet CoreDNS `pods insecure` answers it',
  },

  // Lab 1.8: the ClusterIP and kube-proxy's rules
  {
    id: '1.8-curl-clusterip',
    labId: '1.8',
    stepId: 'clusterip-basics',
    source: { file: 'labs/1.8-clusterip/steps/clusterip-basics-solution.md', text: "curl http://$(kubectl get service nginx -o jsonpath='{.spec.clusterIP}')" },
    where: { jumphost: true },
    run: 'curl http://$CLUSTER_IP',
    env: (world) => ({ CLUSTER_IP: clusterIp(world, 'nginx') }),
    note: 'the $(kubectl get service nginx ...) substitution replaced by the ClusterIP it prints',
  },
  { id: '1.8-kube-services', labId: '1.8', stepId: 'kube-proxy-rules', source: { file: 'labs/1.8-clusterip/steps/kube-proxy-rules.md', text: 'iptables -t nat -L KUBE-SERVICES -n' }, where: { node: 'worker1' }, run: 'iptables -t nat -L KUBE-SERVICES -n' },
  { id: '1.8-kube-services-grep', labId: '1.8', stepId: 'kube-proxy-rules', source: { file: 'labs/1.8-clusterip/steps/kube-proxy-rules-solution.md', text: 'iptables -t nat -L KUBE-SERVICES -n | grep default/nginx' }, where: { node: 'worker1' }, run: 'iptables -t nat -L KUBE-SERVICES -n | grep default/nginx' },
  {
    id: '1.8-kube-svc-chain-by-name',
    labId: '1.8',
    stepId: 'kube-proxy-rules',
    source: { file: 'labs/1.8-clusterip/steps/kube-proxy-rules-solution.md', text: "iptables -t nat -L $(iptables -t nat -S KUBE-SERVICES | grep 'default/nginx:http' | grep -o 'KUBE-SVC-[A-Z0-9]*' | head -n 1) -n" },
    where: { node: 'worker1' },
    run: "iptables -t nat -L $(iptables -t nat -S KUBE-SERVICES | grep 'default/nginx:http' | grep -o 'KUBE-SVC-[A-Z0-9]*' | head -n 1) -n",
  },
  { id: '1.8-iptables-save-grep-nginx', labId: '1.8', stepId: 'kube-proxy-rules', source: { file: 'labs/1.8-clusterip/steps/kube-proxy-rules-solution.md', text: 'iptables-save -t nat | grep default/nginx' }, where: { node: 'worker1' }, run: 'iptables-save -t nat | grep default/nginx' },
  { id: '1.8-iptables-save-grep', labId: '1.8', stepId: 'random-backends', source: { file: 'labs/1.8-clusterip/steps/random-backends-solution.md', text: 'iptables-save -t nat | grep default/nginx-deployment' }, where: { node: 'worker1' }, run: 'iptables-save -t nat | grep default/nginx-deployment' },
  {
    id: '1.8-curl-loop',
    labId: '1.8',
    stepId: 'random-backends',
    source: { file: 'labs/1.8-clusterip/steps/random-backends-solution.md', text: "for i in $(seq 1 12); do curl -s -o /dev/null http://$(kubectl get service nginx-deployment -o jsonpath='{.spec.clusterIP}'); done" },
    where: { jumphost: true },
    run: 'for i in $(seq 1 12); do curl -s -o /dev/null http://$CLUSTER_IP; done',
    env: (world) => ({ CLUSTER_IP: clusterIp(world, 'nginx-deployment') }),
    note: 'the $(kubectl get service nginx-deployment ...) substitution replaced by the ClusterIP it prints',
  },

  // Lab 1.9: NodePort on every node, and the rewritten source address
  ...(
    [
      ['worker1', '10.1.1.7'],
      ['worker2', '10.1.1.8'],
      ['master1', '10.1.1.10'],
    ] as const
  ).map(
    ([node, ip]): GuideCommand => ({
      id: `1.9-curl-nodeport-${node}`,
      labId: '1.9',
      stepId: 'every-node',
      source: { file: 'labs/1.9-nodeport/steps/every-node-solution.md', text: `curl http://${ip}:30080` },
      where: { jumphost: true },
      run: `curl http://${ip}:30080`,
    }),
  ),
  { id: '1.9-kube-nodeports', labId: '1.9', stepId: 'every-node', source: { file: 'labs/1.9-nodeport/steps/every-node-solution.md', text: 'iptables -t nat -L KUBE-NODEPORTS -n' }, where: { node: 'worker1' }, run: 'iptables -t nat -L KUBE-NODEPORTS -n' },
  { id: '1.9-hostname-i', labId: '1.9', stepId: 'source-nat', source: { file: 'labs/1.9-nodeport/steps/source-nat-solution.md', text: 'hostname -i' }, where: { jumphost: true }, run: 'hostname -i' },
  { id: '1.9-curl-master1-quiet', labId: '1.9', stepId: 'source-nat', source: { file: 'labs/1.9-nodeport/steps/source-nat-solution.md', text: 'curl -s -o /dev/null http://10.1.1.10:30080' }, where: { jumphost: true }, run: 'curl -s -o /dev/null http://10.1.1.10:30080' },
];

/** One entry of fixtures/guide-commands.json: what ran where, and what the real tool answered. */
export interface RecordedGuideCommand {
  id: string;
  labId: string;
  stepId: string;
  source: GuideCommand['source'];
  where: string;
  ran: string | string[];
  env?: Record<string, string>;
  note?: string;
  exitCode: number;
  /** Real output, stdout and stderr together (jumphost: through a terminal, CRLF made LF); times in logs and ping replaced by <time>. */
  output: string;
  outputIsRandom?: boolean;
}

/** Replaces what changes from run to run (log times, round-trip times) so outputs compare. */
export function normalizeOutput(output: string): string {
  return output
    .replaceAll('\r\n', '\n')
    .replace(/\[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]/g, '[<time>]')
    .replace(/time=[\d.]+ ms/g, 'time=<time>')
    .replace(/= [\d.]+\/[\d.]+\/[\d.]+ ms/g, '= <time>');
}
