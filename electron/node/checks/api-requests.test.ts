import { describe, expect, it } from 'vitest';
import { apiRequestExpectation, describeExpectation, requestFulfils, type ApiRequest } from './api-requests.ts';
import { parseInvocation } from './command-grammar.ts';
import { parseShellLine } from './command-line.ts';

const expectation = (line: string) => {
  const invocation = parseInvocation(parseShellLine(line).commands[0]!.words);
  return invocation ? apiRequestExpectation(invocation) : null;
};
const request = (fields: Partial<ApiRequest>): ApiRequest => ({ auditID: 'a', verb: 'get', sourceIP: '10.1.1.5', userAgent: 'kubectl/v1.33.4', receivedAt: '2026-12-07T01:00:00Z', ...fields });

describe('the request a kubectl line makes', () => {
  it('names the objects, the namespace and the kind of request, whatever the spelling', () => {
    expect(expectation('k get po nginx -n production')).toEqual({ writes: false, resources: ['pods'], names: ['nginx'], namespace: 'production' });
    expect(expectation('kubectl get pod/nginx')).toEqual({ writes: false, resources: ['pods'], names: ['nginx'] });
    expect(expectation('kubectl delete svc web')).toEqual({ writes: true, resources: ['services'], names: ['web'] });
    expect(expectation('kubectl create deployment web --image=nginx --replicas=3')).toEqual({ writes: true, resources: ['deployments'], names: ['web'] });
    expect(expectation('kubectl create service nodeport web --tcp=80:80')).toEqual({ writes: true, resources: ['services'], names: ['web'] });
    expect(expectation('kubectl run alpine --image=alpine -- sleep 3600')).toEqual({ writes: true, resources: ['pods'], names: ['alpine'] });
    expect(expectation('kubectl expose deployment web --port 80 --type NodePort')).toEqual({ writes: true, resources: ['services'] });
    expect(expectation('kubectl exec -it alpine -- nslookup web')).toEqual({ writes: false, subresource: 'exec', names: ['alpine'] });
    expect(expectation('kubectl logs -f deploy/web')).toEqual({ writes: false, subresource: 'log' });
    expect(expectation('kubectl rollout restart deployment web')).toEqual({ writes: true, resources: ['deployments'], names: ['web'] });
    expect(expectation('kubectl get pods -A -n production')).toEqual({ writes: false, resources: ['pods'] });
    expect(expectation('kubectl apply -f nginx.yaml')).toEqual({ writes: false });
    expect(expectation('kubectl label pod nginx app=web')).toEqual({ writes: true, resources: ['pods'], names: ['nginx'] });
  });

  it('is none for a command that works without the API server', () => {
    for (const line of ['kubectl config view', 'kubectl config use-context kubernetes-admin@kubernetes', 'kubectl version --client', 'kubectl completion bash', 'kubectl proxy', 'curl http://10.96.0.10']) {
      expect(expectation(line), line).toBeNull();
    }
    expect(expectation('kubectl version')).toEqual({ writes: false });
  });

  it('is fulfilled only by a request of that kind, for those objects, in that namespace', () => {
    const getNginx = expectation('kubectl get pod nginx -n production')!;
    expect(requestFulfils(getNginx, request({ resource: 'pods', name: 'nginx', namespace: 'production' }))).toBe(true);
    expect(requestFulfils(getNginx, request({ resource: 'pods', name: 'nginx', namespace: 'default' }))).toBe(false);
    expect(requestFulfils(getNginx, request({ resource: 'pods', name: 'other', namespace: 'production' }))).toBe(false);
    expect(requestFulfils(getNginx, request({ resource: 'services', name: 'nginx', namespace: 'production' }))).toBe(false);
    const remove = expectation('kubectl delete pod nginx')!;
    expect(requestFulfils(remove, request({ verb: 'get', resource: 'pods', name: 'nginx' }))).toBe(false);
    expect(requestFulfils(remove, request({ verb: 'delete', resource: 'pods', name: 'nginx' }))).toBe(true);
    const exec = expectation('kubectl exec alpine -- true')!;
    expect(requestFulfils(exec, request({ resource: 'pods', name: 'alpine', subresource: 'exec' }))).toBe(true);
    expect(requestFulfils(exec, request({ resource: 'pods', name: 'alpine' }))).toBe(false);
    expect(describeExpectation(getNginx)).toBe('a request for pods nginx in production');
  });
});
