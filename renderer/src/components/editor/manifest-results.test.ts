import { describe, expect, it } from 'vitest';
import { failureSummary, joinDocuments, notSentSummary, problemsToMarkers, summarizeOutcome } from './manifest-results.ts';

describe('problemsToMarkers', () => {
  it('underlines a one-column problem to the end of its line', () => {
    const markers = problemsToMarkers([{ line: 4, column: 3, message: 'bad indentation', source: 'yaml' }], () => 20, 8);
    expect(markers).toEqual([
      { severity: 8, message: 'bad indentation', source: 'YAML', startLineNumber: 4, startColumn: 3, endLineNumber: 4, endColumn: 21 },
    ]);
  });

  it('keeps a real range as given', () => {
    const [marker] = problemsToMarkers([{ line: 2, column: 1, endLine: 3, endColumn: 5, message: 'x', source: 'api-server' }], () => 10, 8);
    expect(marker).toMatchObject({ startLineNumber: 2, endLineNumber: 3, endColumn: 5, source: 'API server' });
  });
});

describe('summarizeOutcome', () => {
  it('lists objects the way kubectl reports them', () => {
    const summary = summarizeOutcome('Apply', {
      ok: true,
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', name: 'lab', action: 'unchanged' },
        { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'lab', action: 'created' },
      ],
      problems: [],
    });
    expect(summary).toEqual({ kind: 'success', headline: 'Apply succeeded', lines: ['namespace/lab unchanged', 'pod/web created (namespace lab)'] });
  });

  it('tells apart a manifest that was never sent from one the API server refused', () => {
    const local = summarizeOutcome('Apply', { ok: false, objects: [], problems: [{ line: 3, column: 1, message: 'bad', source: 'yaml' }] });
    expect(local.headline).toMatch(/^Not sent: 1 problem/);
    const remote = summarizeOutcome('Apply', { ok: false, objects: [], problems: [{ line: 9, column: 1, message: 'forbidden', source: 'api-server' }] });
    expect(remote.headline).toMatch(/API server refused a change/);
    // The problems are listed under the editor (once); the summary carries only the objects' outcomes.
    expect(remote.lines).toEqual([]);
  });
});

describe('notSentSummary and failureSummary', () => {
  it('counts the problems of a manifest Validate stopped, in the words a refused Apply uses', () => {
    expect(notSentSummary(2)).toEqual({ kind: 'problems', headline: 'Not sent: 2 problems in the manifest; see the list below', lines: [] });
    const local = summarizeOutcome('Apply', { ok: false, objects: [], problems: [{ line: 3, column: 1, message: 'bad', source: 'yaml' }] });
    expect(notSentSummary(1).headline).toBe(local.headline);
  });

  it("tells what to do next when the backend's error says so", () => {
    const error = Object.assign(new Error('The cluster is not reachable'), { action: 'Start the environment first.' });
    expect(failureSummary(error)).toEqual({ kind: 'problems', headline: 'The cluster is not reachable', lines: ['Start the environment first.'] });
    expect(failureSummary('timeout')).toEqual({ kind: 'problems', headline: 'timeout', lines: [] });
  });
});

describe('joinDocuments', () => {
  it('heads each document with its name and marks missing ones', () => {
    expect(joinDocuments([{ kind: 'Pod', name: 'web', namespace: 'lab', text: null }, { kind: 'Service', name: 'web', text: 'a: 1\n' }])).toBe(
      '# pod/web in lab\n# (does not exist yet)\n---\n# service/web\na: 1\n',
    );
  });
});
