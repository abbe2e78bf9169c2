import { describe, expect, it } from 'vitest';
import { deletesSelection } from './delete-witness.ts';

const mypod = { apiVersion: 'v1', kind: 'Pod', namespace: 'production', name: 'mypod' };
const ran = (command: string, exitCode = 0) => ({ time: '2026-11-29T10:00:00.000Z', command, exitCode });

describe('deletesSelection', () => {
  it('accepts the spellings attendees use for deleting the selected object', () => {
    for (const command of [
      'kubectl delete pods mypod -n production',
      'kubectl -n production delete pod mypod',
      'k delete po/mypod --namespace=production',
      'kubectl delete pod mypod -nproduction --grace-period=0 --force',
      'kubectl delete -f mypod.yaml',
      'kubectl delete pods --all -n production',
      "kubectl delete pod 'mypod' -n production && kubectl get pods -n production",
    ]) {
      expect(deletesSelection(ran(command), mypod), command).toBe(true);
    }
  });

  it('on an audited cluster, needs the delete request the API server saw', () => {
    const line = ran('kubectl delete pod mypod -n production');
    const request = { auditID: 'a', verb: 'delete', resource: 'pods', namespace: 'production', name: 'mypod', sourceIP: '10.1.1.5', userAgent: 'kubectl/v1.33.4', receivedAt: '2026-11-29T09:59:59.900Z', command: 0 };
    expect(deletesSelection({ ...line, apiRequests: [request] }, mypod)).toBe(true);
    expect(deletesSelection({ ...line, apiRequests: [] }, mypod)).toBe(false);
    expect(deletesSelection({ ...line, apiRequests: [{ ...request, verb: 'get' }] }, mypod)).toBe(false);
  });

  it('rejects deletes of something else, elsewhere, or that failed', () => {
    for (const command of ['kubectl delete pods mypod', 'kubectl delete pod other -n production', 'kubectl delete svc mypod -n production', 'kubectl get pods mypod -n production', 'echo kubectl delete pod mypod -n production']) {
      expect(deletesSelection(ran(command), mypod), command).toBe(false);
    }
    expect(deletesSelection(ran('kubectl delete pods mypod -n production', 1), mypod)).toBe(false);
  });

  it('matches cluster-scoped kinds without a namespace and deployments by short name', () => {
    expect(deletesSelection(ran('kubectl delete ns production'), { apiVersion: 'v1', kind: 'Namespace', name: 'production' })).toBe(true);
    expect(deletesSelection(ran('kubectl delete deploy nginx-deployment'), { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'nginx-deployment' })).toBe(true);
  });
});
