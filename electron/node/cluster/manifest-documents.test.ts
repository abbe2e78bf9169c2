import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LabdeckError } from '../../common/errors.ts';
import { problemsFromApiError } from './api-problems.ts';
import { parseFieldPath, readManifestDocuments } from './manifest-documents.ts';
import { MANIFEST } from './manifest-fixtures.test-support.ts';


describe('readManifestDocuments', () => {
  it('finds each object and the line of its name', () => {
    const { documents, problems } = readManifestDocuments(MANIFEST);
    expect(problems).toEqual([]);
    expect(documents.map((document) => [document.object.kind, document.object.metadata.name, document.line])).toEqual([
      ['Namespace', 'lab', 5],
      ['Pod', 'web', 10],
    ]);
  });

  it('locates fields named the way the API server names them', () => {
    const pod = readManifestDocuments(MANIFEST).documents[1]!;
    expect(pod.lineOf('spec.containers[0].image')).toBe(15);
    expect(pod.lineOf('spec.containers[0].ports[0].containerPort')).toBe(17);
    expect(pod.lineOf('spec.containers[name="sidecar"].image')).toBe(19);
    // A field the text lacks points at its nearest ancestor that it has.
    expect(pod.lineOf('spec.containers[1].resources.limits')).toBe(18);
    expect(pod.lineOf('spec.nodeName')).toBe(12);
  });

  it('skips empty documents and reports objects without a name', () => {
    const { documents, problems } = readManifestDocuments('---\n---\napiVersion: v1\nkind: Pod\nmetadata: {}\n');
    expect(documents).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ line: 3, source: 'schema' })]);
  });

  it('refuses names the API server refuses, at their line, with a name it would take', () => {
    const { documents, problems } = readManifestDocuments(MANIFEST.replace('name: web', 'name: Web_Server').replace('name: lab\n---', 'name: lab.v2\n---'));
    expect(documents.map((document) => document.object.kind)).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({ line: 5, source: 'schema', message: expect.stringMatching(/^metadata\.name: "lab\.v2" is not a valid Namespace name: .*RFC 1123.*"lab-v2"/) }),
      expect.objectContaining({ line: 10, source: 'schema', message: expect.stringMatching(/^metadata\.name: "Web_Server" is not a valid Pod name.*"web-server"/) }),
    ]);
    expect(readManifestDocuments(MANIFEST.replace('namespace: lab', 'namespace: Lab')).problems).toEqual([
      expect.objectContaining({ line: 11, message: expect.stringMatching(/^metadata\.namespace: "Lab" is not a valid namespace/) }),
    ]);
    // Dots are fine in other objects' names (RFC 1123 subdomains), as the server allows them.
    expect(readManifestDocuments(MANIFEST.replace('name: web', 'name: web.v1')).problems).toEqual([]);
  });

  it('parses field paths', () => {
    expect(parseFieldPath('spec.ports[0].nodePort')).toEqual(['spec', 'ports', 0, 'nodePort']);
    expect(parseFieldPath('metadata.labels')).toEqual(['metadata', 'labels']);
  });
});

describe('problemsFromApiError', () => {
  const pod = readManifestDocuments(MANIFEST).documents[1]!;

  it('puts each cause at the line of the field it names', () => {
    const error = new ApiException(422, 'Unprocessable', {
      kind: 'Status',
      message: 'Pod "web" is invalid',
      reason: 'Invalid',
      details: { causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: 70000', field: 'spec.containers[0].ports[0].containerPort' }] },
    }, {});
    expect(problemsFromApiError(error, pod)).toEqual([
      { line: 17, column: 1, message: 'Pod web: spec.containers[0].ports[0].containerPort: Invalid value: 70000', source: 'api-server' },
    ]);
  });

  it('puts an error without causes at the object name, also when the body is JSON text', () => {
    const error = new ApiException(403, 'Forbidden', JSON.stringify({ kind: 'Status', message: 'pods "web" is forbidden: namespace lab is being terminated' }), {});
    expect(problemsFromApiError(error, pod)).toEqual([
      { line: 10, column: 1, message: 'Pod web: pods "web" is forbidden: namespace lab is being terminated', source: 'api-server' },
    ]);
  });

  it('turns a connection failure into an error that says what to do', () => {
    expect(() => problemsFromApiError(new Error('connect ECONNREFUSED 127.0.0.1:6443'), pod)).toThrow(LabdeckError);
  });
});
