import { describe, expect, it } from 'vitest';
import { celCacheSize, celHolds, celVariables, compileCel, renderMessage } from './cel.ts';

const deployment = { metadata: { name: 'web', labels: { app: 'nginx' } }, spec: { replicas: 3, template: { spec: { containers: [{ image: 'nginx:latest' }, { image: 'busybox' }] } } }, status: {} };

describe('CEL for checks', () => {
  it('evaluates assertions over Kubernetes JSON, including fields Kubernetes omits', () => {
    const variables = celVariables('object', { object: deployment });
    expect(celHolds('object.spec.replicas == 3', 'object', variables)).toBe(true);
    expect(celHolds('object.?status.?readyReplicas.orValue(0) == 3', 'object', variables)).toBe(false);
    expect(celHolds('objects.size() == 2', 'objects', celVariables('objects', { objects: [deployment, deployment] }))).toBe(true);
  });

  it('gives probe exit codes to CEL as ints', () => {
    expect(celHolds('exitCode == 0 && output.contains("Welcome")', 'probe', celVariables('probe', { output: 'Welcome to nginx', exitCode: 0 }))).toBe(true);
  });

  it('compiles each expression once', () => {
    const first = compileCel('object.metadata.name == "cache-test"', 'object');
    const size = celCacheSize();
    expect(compileCel('object.metadata.name == "cache-test"', 'object')).toBe(first);
    expect(celCacheSize()).toBe(size);
  });

  it('renders {{ }} values readably: lists joined, maps as key=value, unreadable parts as ?', () => {
    const variables = celVariables('object', { object: deployment });
    expect(renderMessage('images {{ object.spec.template.spec.containers.map(c, c.image) }}', 'object', variables)).toBe('images nginx:latest, busybox');
    expect(renderMessage('labels {{object.metadata.labels}}', 'object', variables)).toBe('labels app=nginx');
    expect(renderMessage('{{object.spec.replicas}} replicas, {{object.status.readyReplicas}} ready', 'object', variables)).toBe('3 replicas, ? ready');
  });

  it('throws on an expression that does not parse', () => {
    expect(() => compileCel('object.spec.replicas ==', 'object')).toThrow();
  });
});
