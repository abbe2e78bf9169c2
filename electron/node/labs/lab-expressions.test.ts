import { describe, expect, it } from 'vitest';
import { celCompileError, celEnvironment, parseObjectReferences, parseTemplate, renderTemplate, resolveObjectReferences } from './lab-expressions.ts';

describe('parseObjectReferences', () => {
  it('parses namespaced and cluster-scoped references with field paths', () => {
    expect(parseObjectReferences('http://${service:default/nginx}.spec.clusterIP/')).toEqual([
      { source: '${service:default/nginx}.spec.clusterIP', kind: 'service', namespace: 'default', name: 'nginx', path: ['spec', 'clusterIP'] },
    ]);
    expect(parseObjectReferences("grep '${node:master1}.spec.podCIDR via'")[0]).toMatchObject({ kind: 'node', namespace: undefined, name: 'master1', path: ['spec', 'podCIDR'] });
    expect(parseObjectReferences('${pod:default/nginx}.status.podIPs[0].ip')[0]?.path).toEqual(['status', 'podIPs', 0, 'ip']);
    expect(parseObjectReferences('curl -s $HOME')).toEqual([]);
  });

  it('rejects malformed references with a reason', () => {
    expect(() => parseObjectReferences('${service:nginx}.spec.clusterIP')).toThrow(/needs a namespace/);
    expect(() => parseObjectReferences('${node:default/worker1}.spec.podCIDR')).toThrow(/no namespace/);
    expect(() => parseObjectReferences('${service:default/nginx}')).toThrow(/field path/);
    expect(() => parseObjectReferences('${service:default/nginx.spec.clusterIP')).toThrow(/not a reference/);
  });
});

describe('parseTemplate', () => {
  it('splits literal text and {{ }} expressions', () => {
    expect(parseTemplate('has {{ object.status.readyReplicas }}/3 ready')).toEqual([
      { text: 'has ', expression: false },
      { text: 'object.status.readyReplicas', expression: true },
      { text: '/3 ready', expression: false },
    ]);
  });
});

describe('CEL environments', () => {
  it('compiles with the variables of each context only', () => {
    expect(celCompileError('object.?status.?readyReplicas.orValue(0) == 3', 'object')).toBeUndefined();
    expect(celCompileError('objects.size() == 3', 'objects')).toBeUndefined();
    expect(celCompileError('exitCode == 0 && output.contains("200")', 'probe')).toBeUndefined();
    expect(celCompileError('object.spec.replicas == 3', 'probe')).toMatch(/object/);
    expect(celCompileError('object.spec.replicas ==', 'object')).toBeDefined();
  });

  it('reads fields Kubernetes omits through optional chaining', () => {
    const deployment = { spec: { replicas: 3 }, status: {} };
    expect(celEnvironment('object').evaluate('object.?status.?readyReplicas.orValue(0) == 3', { object: deployment })).toBe(false);
    expect(celEnvironment('object').evaluate('object.spec.replicas == 3', { object: deployment })).toBe(true);
  });
});

describe('renderTemplate', () => {
  it('renders observed values into the message', () => {
    const deployment = { metadata: { name: 'nginx-deployment' }, spec: { template: { spec: { containers: [{ image: 'nginx:latest' }, { image: 'busybox' }] } } }, status: { readyReplicas: 2 } };
    expect(
      renderTemplate('{{object.metadata.name}} has {{object.?status.?readyReplicas.orValue(0)}}/3 ready; images {{object.spec.template.spec.containers.map(c, c.image)}}', 'object', { object: deployment }),
    ).toBe('nginx-deployment has 2/3 ready; images nginx:latest, busybox');
  });

  it('shows "?" for an expression that cannot be evaluated, keeping the rest of the message', () => {
    expect(renderTemplate('phase {{object.status.phase}} on {{object.spec.nodeName}}', 'object', { object: { spec: { nodeName: 'worker1' } } })).toBe('phase ? on worker1');
  });
});

describe('resolveObjectReferences', () => {
  const service = { spec: { clusterIP: '10.104.51.113', ports: [{ nodePort: 30080 }] } };
  const lookup = async (reference: { kind: string; name: string }) => (reference.kind === 'service' && reference.name === 'nginx' ? service : undefined);

  it('replaces references with live values', async () => {
    expect(await resolveObjectReferences('http://${service:default/nginx}.spec.clusterIP/', lookup)).toEqual({ ok: true, value: 'http://10.104.51.113/' });
    expect(await resolveObjectReferences('${service:default/nginx}.spec.ports[0].nodePort', lookup)).toEqual({ ok: true, value: '30080' });
  });

  it('says which object or field is missing', async () => {
    expect(await resolveObjectReferences('${service:default/web}.spec.clusterIP', lookup)).toEqual({ ok: false, reason: 'Service default/web does not exist' });
    expect(await resolveObjectReferences('${service:default/nginx}.status.loadBalancer', lookup)).toEqual({ ok: false, reason: 'Service default/nginx has no status.loadBalancer yet' });
  });
});
