import type { LabRole } from './labels.ts';

/**
 * Readiness of a k3s cluster, decided from what k3s prints and what the API reports. Pure functions, tested
 * against recorded k3s output in fixtures/.
 */

/** k3s's own line when the server is serving (pkg/server); k3d waits for the same line. */
export const SERVER_READY_LINE = 'k3s is up and running';
/** The kubelet's line once the node object exists; agents print it when they have joined. */
export const AGENT_READY_LINES = ['Successfully registered node', 'k3s agent is up and running'];

export interface K3sLogProblem {
  /** Stable id used by tests and the UI. */
  id: 'cgroup' | 'privileged' | 'token' | 'server-unreachable' | 'port-in-use' | 'fatal';
  message: string;
  action: string;
}

/** Lines that end k3s for good, each with what the attendee can do. Unknown fatal lines fall through. */
const PROBLEMS: { pattern: RegExp; problem: Omit<K3sLogProblem, 'message'> }[] = [
  {
    pattern: /failed to find (cpu|memory|cpuset) cgroup|cgroup.*(not mounted|no such file)/i,
    problem: { id: 'cgroup', action: 'The Docker engine does not give containers the cgroups k3s needs. Use Docker Desktop or a Linux engine with cgroup v2 (`docker info` shows "Cgroup Version: 2").' },
  },
  {
    pattern: /operation not permitted|unable to apply caps|permission denied.*\/proc\/sys/i,
    problem: { id: 'privileged', action: 'The engine refuses privileged containers (rootless Docker, a restricted Podman, or a CI sandbox). Labdeck needs an engine that runs privileged containers.' },
  },
  {
    pattern: /token CA hash does not match|invalid token|Node password rejected|unauthorized/i,
    problem: { id: 'token', action: 'The nodes disagree about the cluster token, usually after a partial reset. Run `labdeck env reset`.' },
  },
  {
    pattern: /address already in use/i,
    problem: { id: 'port-in-use', action: 'A port k3s needs is taken inside the node. Run `labdeck env reset`; if it persists, share `labdeck env diagnostics`.' },
  },
];

export interface LogVerdict {
  ready: boolean;
  problem: K3sLogProblem | null;
  /** The last line worth showing as progress (k3s's msg="..." text), if any. */
  lastMessage: string | null;
}

/** The human part of a k3s log line: msg="..." of logrus lines, the quoted message of klog lines. */
export function k3sLogMessage(line: string): string {
  const logrus = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (logrus?.[1] !== undefined) return logrus[1].replace(/\\"/g, '"');
  const klog = /^[IWEF]\d{4} [\d:.]+\s+\d+ [^\]]+\] "((?:[^"\\]|\\.)*)"/.exec(line);
  if (klog?.[1] !== undefined) return klog[1];
  return line.trim();
}

export function isFatalLine(line: string): boolean {
  return /level=fatal/.test(line) || /^F\d{4} /.test(line);
}

/** Reads a node's log (oldest first) and says whether it is ready, or why it never will be. */
export function judgeNodeLog(role: Extract<LabRole, 'server' | 'agent'>, lines: readonly string[]): LogVerdict {
  const readyMarkers = role === 'server' ? [SERVER_READY_LINE] : AGENT_READY_LINES;
  let ready = false;
  let problem: K3sLogProblem | null = null;
  let lastMessage: string | null = null;
  for (const line of lines) {
    if (!line.trim()) continue;
    const message = k3sLogMessage(line);
    if (/level=(info|warning)/.test(line) || /^[IW]\d{4} /.test(line)) lastMessage = message;
    if (readyMarkers.some((marker) => line.includes(marker))) {
      ready = true;
      // A restart after a fatal line clears the problem once the node comes up again.
      problem = null;
    }
    if (isFatalLine(line)) {
      ready = false;
      const known = PROBLEMS.find(({ pattern }) => pattern.test(line));
      problem = known
        ? { ...known.problem, message }
        : { id: 'fatal', message, action: 'k3s stopped on this node. Run `labdeck env diagnostics` and look at the node log; `labdeck env reset` starts over.' };
    }
  }
  return { ready, problem, lastMessage };
}

/** Agents log this while the server is not answering yet: expected for a while, not a failure. */
export function isWaitingForServer(line: string): boolean {
  return /Waiting to retrieve agent configuration|failed to get CA certs|Waiting for control-plane node|connect: connection refused/.test(line);
}

/** The slice of API state readiness looks at, as returned by list nodes / read deployment. */
export interface ApiSnapshot {
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
  return { ready: waitingFor.length === 0, waitingFor, nodes };
}
