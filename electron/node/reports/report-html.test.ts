import { describe, expect, it } from 'vitest';
import { evidenceSummary } from './report-html.ts';

describe("the report's one-line evidence", () => {
  it('says which command ran, and when the API server saw its request, with the audit id', () => {
    const matched = { command: 'kubectl get nodes', exitCode: 0, time: '2026-12-07T01:00:00.000Z' };
    expect(evidenceSummary({ matched })).toBe('ran `kubectl get nodes` (exit 0)');
    const seen = { matched: { ...matched, apiRequests: [{ auditID: '57c568a9-eed4-4fcf-b337-c2a98aac9405', verb: 'list', resource: 'nodes', command: 0 }] } };
    expect(evidenceSummary(seen)).toBe('ran `kubectl get nodes` (exit 0); seen by the API server (audit id 57c568a9-eed4-4fcf-b337-c2a98aac9405)');
    expect(evidenceSummary({ matched: { ...matched, apiRequests: [] } })).toBe('ran `kubectl get nodes` (exit 0)');
  });
});
