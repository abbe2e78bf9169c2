import { describe, expect, it } from 'vitest';
import { ProbeCheckSchema } from '../../electron/node/course-format/check-spec.ts';
import { planProbe, type LabProbe } from './variants.ts';
import { findService } from './world.ts';
import { workshopWorld } from './workshop-world.ts';

const world = workshopWorld();
const probe = (check: Record<string, unknown>): LabProbe => ({
  labId: '9.9',
  stepId: 'step',
  check: ProbeCheckSchema.parse({ id: 'probe', title: 'A probe', kind: 'probe', expect: { exitCode: 0 }, ...check }),
});
const names = (lab: LabProbe): string[] => {
  const plan = planProbe(lab, world);
  return plan.kind === 'run' ? plan.wrong.map((variant) => variant.name) : [`skip: ${plan.reason}`];
};

describe('wrong worlds chosen for a probe from what it does', () => {
  it('breaks the referenced Service for a curl to its ClusterIP: no endpoints, wrong targetPort', () => {
    expect(names(probe({ in: { verifier: true }, command: ['curl', 'http://${service:default/nginx}.spec.clusterIP/'] }))).toEqual([
      'Service default/nginx has no endpoints (its selector matches no pod)',
      'Service default/nginx has targetPort 8080, where nothing listens',
    ]);
  });

  it('breaks the NodePort, the node and the targetPort behind a curl to <node IP>:<nodePort>', () => {
    expect(names(probe({ in: { verifier: true }, command: ['curl', 'http://10.1.1.8:30080/'] }))).toEqual([
      'no Service has nodePort 30080 (type ClusterIP)',
      'kube-proxy has not written its rules on worker2',
      'Service default/nginx has targetPort 8080, where nothing listens',
    ]);
  });

  it('does not take default/nginx-deployment for default/nginx when counting random rules', () => {
    const wrong = names(probe({ in: { node: 'worker1' }, command: ['sh', '-c', "iptables-save -t nat | grep -F 'default/nginx-deployment' | grep -cF 'statistic --mode random'"] }));
    expect(wrong).toContain('Service default/nginx-deployment has only 2 ready endpoint(s)');
    expect(wrong).not.toContain('Service default/nginx has only 2 ready endpoint(s)');
  });

  it('answers DNS probes wrongly: another address, NXDOMAIN, and kube-dns without endpoints', () => {
    expect(names(probe({ in: { pod: { namespace: 'default', name: 'alpine' } }, command: ['nslookup', 'kube-dns.kube-system.svc.cluster.local'] }))).toEqual([
      'the cluster DNS answers 10.96.99.99 for kube-dns.kube-system.svc.cluster.local',
      'the cluster DNS answers NXDOMAIN for kube-dns.kube-system.svc.cluster.local',
      'Service kube-system/kube-dns has no endpoints (its selector matches no pod)',
    ]);
  });

  it('skips probes of the API server with the reason, and finds nothing to break in an unknown probe', () => {
    expect(names(probe({ in: { verifier: true }, command: ['curl', '-sk', 'https://10.1.1.10:6443/version'] }))[0]).toMatch(/^skip: .*6443/);
    expect(names(probe({ in: { node: 'worker1' }, command: ['uptime'] }))).toEqual([]);
  });

  it('makes each wrong world from a copy, leaving the right world as it was', () => {
    const plan = planProbe(probe({ in: { verifier: true }, command: ['curl', 'http://${service:default/nginx}.spec.clusterIP/'] }), world);
    if (plan.kind !== 'run') throw new Error('expected wrong worlds');
    const broken = plan.wrong[1]?.make(world);
    expect(broken && findService(broken, 'default', 'nginx').ports[0]?.targetPort).toBe(8080);
    expect(findService(world, 'default', 'nginx').ports[0]?.targetPort).toBe(80);
  });
});
