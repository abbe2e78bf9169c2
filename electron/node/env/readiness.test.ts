import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainKubeadmFailure, judgeCluster, type ApiSnapshot } from './readiness.ts';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const snapshot = (name: string) => JSON.parse(fixture(name)) as ApiSnapshot;

// kubeadm's output as v1.33 prints it when a phase fails (fixtures/kubeadm-*.txt).
describe("kubeadm's failures, explained", () => {
  it('ports taken on the control-plane node: preflight names them; a fresh cluster is the way out', () => {
    const problem = explainKubeadmFailure(fixture('kubeadm-init-port-in-use.txt'));
    expect(problem.id).toBe('port-in-use');
    expect(problem.message).toBe('[ERROR Port-6443]: Port 6443 is in use');
    expect(problem.action).toMatch(/labdeck env reset/);
  });

  it('containerd not answering: the CRI preflight check', () => {
    const problem = explainKubeadmFailure(fixture('kubeadm-init-cri.txt'));
    expect(problem.id).toBe('containerd');
    expect(problem.action).toMatch(/containerd log/);
  });

  it('a system image neither the mirror nor upstream has: points to the course file', () => {
    const problem = explainKubeadmFailure(fixture('kubeadm-init-image-pull.txt'));
    expect(problem.id).toBe('image');
    expect(problem.action).toMatch(/Open course/);
  });

  it('a kubelet that never became healthy', () => {
    const problem = explainKubeadmFailure(fixture('kubeadm-init-kubelet-timeout.txt'));
    expect(problem).toMatchObject({ id: 'kubelet', message: expect.stringMatching(/^error: error execution phase wait-control-plane: failed while waiting for the kubelet/) });
    expect(problem.action).toMatch(/kubelet log/);
  });

  it('the same timeout on an engine that lacks cgroups the kubelet needs: the cgroup advice wins', () => {
    const output = fixture('kubeadm-init-kubelet-timeout.txt').replace(
      '[preflight] Running pre-flight checks\n',
      '[preflight] Running pre-flight checks\n\t[WARNING SystemVerification]: missing required cgroups: memory\n',
    );
    const problem = explainKubeadmFailure(output);
    expect(problem.id).toBe('cgroup');
    // The line shown is still the error, not the warning that explains it.
    expect(problem.message).toMatch(/^error: error execution phase wait-control-plane/);
    expect(problem.action).toMatch(/labdeck env doctor/);
  });

  it('a worker that cannot reach the control plane', () => {
    const problem = explainKubeadmFailure(fixture('kubeadm-join-unreachable.txt'));
    expect(problem).toMatchObject({ id: 'api-unreachable', message: expect.stringContaining("couldn't validate the identity of the API Server") });
    expect(problem.action).toContain('10.1.1.10:6443');
  });

  // kubeadm prints a crictl hint naming containerd's socket whenever a control-plane component does not
  // come up; readiness.ts takes any mention of containerd.sock for a containerd failure. Marked as failing
  // until that pattern is narrowed (see the report for the change); then this becomes a plain `it`.
  it('an API server that does not come up is not blamed on containerd', () => {
    const problem = explainKubeadmFailure(fixture('kubeadm-init-control-plane-timeout.txt'));
    expect(problem.id).not.toBe('containerd');
    expect(problem.message).toMatch(/failed while waiting for the control plane to start/);
  });

  it('anything else: the last line, and the way to a fresh cluster', () => {
    expect(explainKubeadmFailure('[init] Using Kubernetes version: v1.33.4\nsomething odd happened\n')).toEqual({
      id: 'unknown',
      message: 'something odd happened',
      action: expect.stringMatching(/labdeck env reset.*labdeck env diagnostics/),
    });
    expect(explainKubeadmFailure('').message).toBe('no output');
  });
});

describe('cluster readiness from API state', () => {
  const expected = ['master1', 'worker1', 'worker2'];

  it('lists what is still missing while the cluster starts', () => {
    const verdict = judgeCluster(expected, snapshot('api-starting.json'));
    expect(verdict.ready).toBe(false);
    expect(verdict.waitingFor).toEqual([
      'node worker1 to become Ready',
      'node worker1 to get a pod range (spec.podCIDR)',
      'node worker2 to register',
      'CoreDNS to roll out',
      'kube-proxy to run on every node (1 of 3)',
      'the kube-flannel-ds DaemonSet to be created',
    ]);
  });

  it('is ready with all nodes Ready, each with a pod range, CoreDNS rolled out, kube-proxy and flannel on every node', () => {
    const verdict = judgeCluster(expected, snapshot('api-ready.json'));
    expect(verdict.ready).toBe(true);
    expect(verdict.waitingFor).toEqual([]);
    expect(verdict.nodes).toEqual([
      { name: 'master1', ready: true, podCIDR: '10.244.0.0/24', ip: '10.1.1.10' },
      { name: 'worker1', ready: true, podCIDR: '10.244.1.0/24', ip: '10.1.1.7' },
      { name: 'worker2', ready: true, podCIDR: '10.244.2.0/24', ip: '10.1.1.8' },
    ]);
  });

  it('waits for a DaemonSet until it runs on every expected node, with its new generation observed', () => {
    const ready = snapshot('api-ready.json');
    const withFlannel = (status: NonNullable<ApiSnapshot['daemonSets']>[string]): ApiSnapshot => ({ ...ready, daemonSets: { ...ready.daemonSets, 'kube-flannel-ds': status } });
    expect(judgeCluster(expected, withFlannel({ desired: 3, available: 2, observed: true })).waitingFor).toEqual(['kube-flannel-ds to run on every node (2 of 3)']);
    // Scheduled on fewer nodes than the cluster has (a node not registered with the controller yet).
    expect(judgeCluster(expected, withFlannel({ desired: 2, available: 2, observed: true })).waitingFor).toEqual(['kube-flannel-ds to run on every node (2 of 3)']);
    expect(judgeCluster(expected, withFlannel({ desired: 3, available: 3, observed: false })).ready).toBe(false);
    expect(judgeCluster(expected, withFlannel(null)).waitingFor).toEqual(['the kube-flannel-ds DaemonSet to be created']);
    // Callers that do not read DaemonSets are judged on nodes and CoreDNS alone.
    const { daemonSets: _unread, ...withoutDaemonSets } = ready;
    expect(judgeCluster(expected, withoutDaemonSets).ready).toBe(true);
  });

  it('a CoreDNS rollout whose new generation is not observed yet is not rolled out', () => {
    const ready = snapshot('api-ready.json');
    const stale: ApiSnapshot = { ...ready, coredns: { ...ready.coredns, metadata: { generation: 3 } } };
    expect(judgeCluster(expected, stale).waitingFor).toEqual(['CoreDNS to roll out']);
    expect(judgeCluster(expected, { ...ready, coredns: null }).waitingFor).toEqual(['the CoreDNS deployment to be created']);
    const half: ApiSnapshot = { ...ready, coredns: { ...ready.coredns, status: { ...ready.coredns?.status, availableReplicas: 1 } } };
    expect(judgeCluster(expected, half).waitingFor).toEqual(['CoreDNS to roll out']);
  });
});
