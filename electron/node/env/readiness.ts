/**
 * Readiness of the kubeadm cluster, decided from kubeadm's output when a step fails and from what the API
 * reports. Pure functions.
 */

export interface KubeadmProblem {
  /** Stable id used by tests and the UI. */
  id: 'cgroup' | 'port-in-use' | 'control-plane' | 'containerd' | 'image' | 'kubelet' | 'api-unreachable' | 'unknown';
  message: string;
  action: string;
}

const RESET_ACTION = 'Run `labdeck env reset` for a fresh cluster; if it happens again, share `labdeck env diagnostics`.';

/** kubeadm's failures an attendee can act on, most specific first. */
const KUBEADM_PROBLEMS: { id: KubeadmProblem['id']; pattern: RegExp; action: string }[] = [
  {
    id: 'cgroup',
    pattern: /cgroups? (v1 )?(is|are) not (supported|mounted)|missing required cgroups|failed to find (cpu|memory) cgroup/i,
    action: 'The Docker engine does not give containers the cgroups the kubelet needs. `labdeck env doctor` says what this engine offers; Docker Desktop or a Linux engine with cgroup v2 works.',
  },
  { id: 'port-in-use', pattern: /Port-\d+\]: Port \d+ is in use|address already in use/i, action: RESET_ACTION },
  {
    // Before containerd: kubeadm's hint for this failure names containerd.sock (how to list containers).
    id: 'control-plane',
    pattern: /failed while waiting for the control plane to start|\[control-plane-check\] .* is not healthy/i,
    action: 'A control-plane component (API server, etcd, controller manager or scheduler) did not start. Run `labdeck env up` to try again; `labdeck env diagnostics` holds the kubelet log and what containerd ran.',
  },
  {
    id: 'containerd',
    pattern: /container runtime is not running|failed to create new CRI runtime service/i,
    action: 'containerd did not answer inside the node. Run `labdeck env diagnostics` (it holds the containerd log), then `labdeck env reset`.',
  },
  {
    id: 'image',
    pattern: /failed to pull image|ErrImagePull|ImagePullBackOff|failed to resolve reference/i,
    action: 'A system image is missing: open the course file from your instructor ("Open course…" or --course), or go online once and run `labdeck env up` again.',
  },
  {
    id: 'kubelet',
    pattern: /kubelet is not healthy|The kubelet is not running|timed out waiting for the condition|context deadline exceeded/i,
    action: 'The kubelet did not come up in time (a busy or small machine, or an engine that limits the node). Run `labdeck env up` to try again; `labdeck env diagnostics` holds the kubelet log.',
  },
  {
    id: 'api-unreachable',
    pattern: /couldn't validate the identity of the API Server|connection refused|no route to host/i,
    action: 'A worker could not reach the control plane at 10.1.1.10:6443. Run `labdeck env up` again; if it persists, `labdeck env reset`.',
  },
];

/** The line of kubeadm's output that says what went wrong, and what the attendee can do. */
export function explainKubeadmFailure(output: string): KubeadmProblem {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const errorLine =
    lines.find((line) => line.startsWith('[ERROR')) ?? lines.find((line) => /^error/i.test(line) || /error execution phase/.test(line)) ?? lines.at(-1) ?? 'no output';
  for (const known of KUBEADM_PROBLEMS) {
    if (known.pattern.test(output)) return { id: known.id, message: errorLine, action: known.action };
  }
  return { id: 'unknown', message: errorLine, action: RESET_ACTION };
}

/** The rollout counters of a Deployment or DaemonSet readiness looks at. */
export interface WorkloadStatus {
  desired: number;
  available: number;
  /** False while the controller has not seen the latest spec yet. */
  observed: boolean;
}

/** The slice of API state readiness looks at, as returned by list nodes / read deployment. */
export interface ApiSnapshot {
  /** kube-proxy and kube-flannel-ds in kube-system; absent when not read (older callers). */
  daemonSets?: Record<string, WorkloadStatus | null>;
  nodes: {
    metadata: { name: string };
    spec?: { podCIDR?: string };
    status?: { conditions?: { type: string; status: string }[]; addresses?: { type: string; address: string }[] };
  }[];
  coredns:
    | {
        spec?: { replicas?: number };
        status?: { updatedReplicas?: number; availableReplicas?: number; readyReplicas?: number; observedGeneration?: number };
        metadata?: { generation?: number };
      }
    | null;
}

export interface ClusterVerdict {
  ready: boolean;
  /** What is still missing, in the order the attendee would see it resolved. */
  waitingFor: string[];
  nodes: { name: string; ready: boolean; podCIDR: string | null; ip: string | null }[];
}

export function judgeCluster(expectedNodes: readonly string[], snapshot: ApiSnapshot): ClusterVerdict {
  const waitingFor: string[] = [];
  const nodes = expectedNodes.map((name) => {
    const node = snapshot.nodes.find((candidate) => candidate.metadata.name === name);
    const ready = node?.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
    const podCIDR = node?.spec?.podCIDR ?? null;
    const ip = node?.status?.addresses?.find((address) => address.type === 'InternalIP')?.address ?? null;
    if (!node) waitingFor.push(`node ${name} to register`);
    else if (!ready) waitingFor.push(`node ${name} to become Ready`);
    if (node && !podCIDR) waitingFor.push(`node ${name} to get a pod range (spec.podCIDR)`);
    return { name, ready, podCIDR, ip };
  });
  const coredns = snapshot.coredns;
  if (!coredns) waitingFor.push('the CoreDNS deployment to be created');
  else {
    const wanted = coredns.spec?.replicas ?? 1;
    const status = coredns.status ?? {};
    const observed = (status.observedGeneration ?? 0) >= (coredns.metadata?.generation ?? 0);
    // The same test as `kubectl rollout status`.
    const rolledOut = observed && (status.updatedReplicas ?? 0) >= wanted && (status.availableReplicas ?? 0) >= wanted;
    if (!rolledOut) waitingFor.push('CoreDNS to roll out');
  }
  for (const [name, status] of Object.entries(snapshot.daemonSets ?? {})) {
    if (!status) waitingFor.push(`the ${name} DaemonSet to be created`);
    else if (!status.observed || status.desired < expectedNodes.length || status.available < status.desired) {
      waitingFor.push(`${name} to run on every node (${status.available} of ${Math.max(status.desired, expectedNodes.length)})`);
    }
  }
  return { ready: waitingFor.length === 0, waitingFor, nodes };
}
