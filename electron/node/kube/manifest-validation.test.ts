import { describe, expect, it } from 'vitest';
import { knownKinds, validateManifestText } from './manifest-validation.ts';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
        - name: nginx
          image: nginx:1.14.2
          ports:
            - containerPort: 80
`;

describe('validateManifestText', () => {
  it('accepts a valid multi-document manifest', () => {
    const text = `apiVersion: v1
kind: Namespace
metadata:
  name: production
---
${deployment}`;
    expect(validateManifestText(text)).toEqual([]);
  });

  it('reports a wrong field type at the line and column of the value', () => {
    const text = deployment.replace('replicas: 3', 'replicas: three');
    const problems = validateManifestText(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 8, column: 13, source: 'schema' });
    expect(problems[0]?.message).toBe('spec.replicas must be of type number, found "three"');
  });

  it('locates problems in a later document by its line in the whole text', () => {
    const text = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: production\n---\n${deployment.replace('containerPort: 80', 'containerPort: "http"')}`;
    const [problem] = validateManifestText(text);
    expect(problem).toMatchObject({ line: 26, column: 30, source: 'schema' });
    expect(problem?.message).toContain('spec.template.spec.containers[0].ports[0].containerPort must be of type number');
  });

  it('reports a missing required field at the object that lacks it', () => {
    const text = deployment.replace('        - name: nginx\n          image', '        - image');
    const [problem] = validateManifestText(text);
    expect(problem?.message).toBe('spec.template.spec.containers[0] is missing the required field "name"');
    expect(problem?.line).toBe(18);
  });

  it('reports YAML syntax errors with source yaml', () => {
    const problems = validateManifestText('apiVersion: v1\nkind: Pod\nmetadata:\n  name: [nginx\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.source).toBe('yaml');
    expect(problems[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('flags a misspelt kind of a built-in API group and names the real ones', () => {
    const [problem] = validateManifestText('apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: x\n');
    expect(problem).toMatchObject({ line: 2, column: 7, source: 'schema' });
    expect(problem?.message).toContain('Deployment');
  });

  it('passes custom resources through (only the API server knows their schema)', () => {
    expect(validateManifestText('apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {size: big}\n')).toEqual([]);
  });

  it('requires apiVersion and kind', () => {
    const [problem] = validateManifestText('metadata:\n  name: x\n');
    expect(problem?.message).toContain('apiVersion and kind');
    expect(problem?.line).toBe(1);
  });

  it('ignores empty documents and comments', () => {
    expect(validateManifestText('# nothing yet\n')).toEqual([]);
    expect(validateManifestText(`---\n${deployment}---\n`)).toEqual([]);
  });

  it('knows the core kinds the labs use', () => {
    expect(knownKinds()).toEqual(expect.arrayContaining(['v1/Pod', 'v1/Service', 'v1/Namespace', 'apps/v1/Deployment']));
  });
});
