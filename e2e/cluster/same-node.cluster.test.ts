import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run } from './test-cluster.ts';

/**
 * Service traffic whose endpoint runs on the client's own node, on the real cluster: the pods of a node share
 * flannel's cni0 bridge, and bridged traffic still passes the node's iptables (br_netfilter), so the reply of a
 * DNATed request is translated back and the client sees the Service's address answer. A pod reaching itself
 * through its own Service needs the bridge's hairpin mode (flannel's CNI config sets it). The labs' pods land
 * wherever the scheduler puts them, so attendees meet both cases.
 */
const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();
const jumphost = (command: string) => run(docker, 'jumphost', command, 180_000);
const NAMESPACE = 'same-node-test';

describe.skipIf(unavailable)(`Service traffic to an endpoint on the client's own node${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    await jumphost(`kubectl delete namespace ${NAMESPACE} --ignore-not-found --wait=true`);
    const on = (node: string) => `--overrides='{"spec":{"nodeName":"${node}"}}'`;
    const setup = await jumphost(
      [
        `kubectl create namespace ${NAMESPACE}`,
        // The default ServiceAccount appears a moment after the namespace; pods are refused until then.
        `until kubectl -n ${NAMESPACE} get serviceaccount default >/dev/null 2>&1; do sleep 0.2; done`,
        `kubectl -n ${NAMESPACE} run web --image=nginx --labels=app=web ${on('worker1')}`,
        `kubectl -n ${NAMESPACE} run client --image=busybox42/alpine-pod ${on('worker1')}`,
        `kubectl -n ${NAMESPACE} expose pod web --port=80`,
        `kubectl -n ${NAMESPACE} wait --for=condition=Ready pod/web pod/client --timeout=120s`,
      ].join(' && '),
    );
    expect(setup.exitCode, setup.output).toBe(0);
  });

  afterAll(async () => {
    if (!unavailable) await jumphost(`kubectl delete namespace ${NAMESPACE} --ignore-not-found --wait=false`);
  });

  it('a pod reaches a Service whose only endpoint is on its own node', async () => {
    const nodes = await jumphost(`kubectl -n ${NAMESPACE} get pods -o jsonpath='{range .items[*]}{.metadata.name}={.spec.nodeName} {end}'`);
    expect(nodes.output.trim().split(' ').sort()).toEqual(['client=worker1', 'web=worker1']);
    const page = await jumphost(`kubectl -n ${NAMESPACE} exec client -- wget -qO- http://web.${NAMESPACE}.svc.cluster.local`);
    expect(page.exitCode, page.output).toBe(0);
    expect(page.output).toContain('Welcome to nginx');
  });

  it('a pod reaches itself through its own Service (hairpin on the cni0 bridge)', async () => {
    // client listens on 8080 and calls its own Service: the DNAT sends the connection back out of the port it
    // came from, which only the bridge's hairpin mode (flannel's CNI config) allows.
    const exposed = await jumphost(`kubectl -n ${NAMESPACE} label pod client app=client --overwrite && kubectl -n ${NAMESPACE} expose pod client --name=client-svc --port=8080`);
    expect(exposed.exitCode, exposed.output).toBe(0);
    const hairpin = await jumphost(`kubectl -n ${NAMESPACE} exec client -- bash -c '(echo hairpin-ok | nc -l -p 8080 &) ; sleep 1; nc -w 5 client-svc 8080 </dev/null'`);
    expect(hairpin.output).toContain('hairpin-ok');
  });
});
