import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeCluster, judgeNodeLog, k3sLogMessage, type ApiSnapshot } from './readiness.ts';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const lines = (name: string) => fixture(name).split('\n');
const snapshot = (name: string) => JSON.parse(fixture(name)) as ApiSnapshot;

describe('k3s log readiness', () => {
  it('a server is ready at "k3s is up and running", not before', () => {
    const all = lines('k3s-server.log');
    const upIndex = all.findIndex((line) => line.includes('k3s is up and running'));
    expect(judgeNodeLog('server', all.slice(0, upIndex)).ready).toBe(false);
    expect(judgeNodeLog('server', all.slice(0, upIndex + 1))).toMatchObject({ ready: true, problem: null });
  });

  it('an agent is ready once the kubelet registered the node; connection errors while the server starts are not failures', () => {
    const all = lines('k3s-agent.log');
    const registered = all.findIndex((line) => line.includes('Successfully registered node'));
    const before = judgeNodeLog('agent', all.slice(0, registered));
    expect(before).toMatchObject({ ready: false, problem: null });
    expect(judgeNodeLog('agent', all).ready).toBe(true);
  });

  it('a server line does not make an agent ready, nor the reverse', () => {
    expect(judgeNodeLog('agent', ['time="2025-08-27T09:12:06Z" level=info msg="k3s is up and running"']).ready).toBe(false);
  });

  it('a fatal cgroup line is a problem with advice', () => {
    const verdict = judgeNodeLog('agent', lines('k3s-agent-cgroup-fatal.log'));
    expect(verdict.ready).toBe(false);
    expect(verdict.problem?.id).toBe('cgroup');
    expect(verdict.problem?.message).toBe('failed to find cpuset cgroup (v2)');
    expect(verdict.problem?.action).toMatch(/cgroup v2/);
  });

  it('a restart after a fatal line counts once the node comes up again', () => {
    const all = lines('k3s-server-restart.log');
    expect(judgeNodeLog('server', all.slice(0, 2)).problem?.id).toBe('port-in-use');
    expect(judgeNodeLog('server', all)).toMatchObject({ ready: true, problem: null });
  });

  it('extracts the message of logrus and klog lines for progress output', () => {
    expect(k3sLogMessage('time="2025-08-27T09:12:06Z" level=info msg="Wrote kubeconfig /etc/rancher/k3s/k3s.yaml"')).toBe('Wrote kubeconfig /etc/rancher/k3s/k3s.yaml');
    expect(k3sLogMessage('I0827 09:12:10.123456      27 kubelet_node_status.go:78] "Successfully registered node" node="master1"')).toBe('Successfully registered node');
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
    ]);
  });

  it('is ready with all nodes Ready, each with a pod range, and CoreDNS rolled out', () => {
    const verdict = judgeCluster(expected, snapshot('api-ready.json'));
    expect(verdict.ready).toBe(true);
    expect(verdict.nodes).toEqual([
      { name: 'master1', ready: true, podCIDR: '10.244.0.0/24', ip: '10.1.1.10' },
      { name: 'worker1', ready: true, podCIDR: '10.244.1.0/24', ip: '10.1.1.7' },
      { name: 'worker2', ready: true, podCIDR: '10.244.2.0/24', ip: '10.1.1.8' },
    ]);
  });

  it('a CoreDNS rollout whose new generation is not observed yet is not rolled out', () => {
    const ready = snapshot('api-ready.json');
    const stale: ApiSnapshot = { ...ready, coredns: { ...ready.coredns, metadata: { generation: 3 } } };
    expect(judgeCluster(expected, stale).waitingFor).toEqual(['CoreDNS to roll out']);
    expect(judgeCluster(expected, { ...ready, coredns: null }).waitingFor).toEqual(['the CoreDNS deployment to be created']);
  });
});
