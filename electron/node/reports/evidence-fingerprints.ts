import type { Report } from './report-format.ts';

/**
 * What identifies evidence as one attendee's own (issue 20): the API server's audit event ids that corroborate
 * commands, the uids of the objects judged (a uid is made by the cluster that created the object, so two
 * attendees' clusters never share one), and the clusters the journal was written on. Two attendees' reports
 * sharing one of these share evidence: copied work.
 */
export interface EvidenceFingerprints {
  auditIds: Set<string>;
  uids: Set<string>;
  clusters: Set<string>;
}

const AUDIT_KEY = /^audit[-_]?(event[-_]?)?ids?$/i;
/** Deep enough for object metadata and command corroboration; deeper values are not walked. */
const MAX_DEPTH = 12;

function collect(value: unknown, into: EvidenceFingerprints, depth: number, key = ''): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') {
    if (typeof value === 'string' && AUDIT_KEY.test(key) && value) into.auditIds.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, into, depth + 1, AUDIT_KEY.test(key) ? key : '');
    return;
  }
  const object = value as Record<string, unknown>;
  const metadata = object.metadata as { uid?: unknown } | undefined;
  if (metadata && typeof metadata === 'object' && typeof metadata.uid === 'string' && metadata.uid) into.uids.add(metadata.uid);
  for (const [name, item] of Object.entries(object)) collect(item, into, depth + 1, name);
}

export function evidenceFingerprints(report: Report): EvidenceFingerprints {
  const found: EvidenceFingerprints = { auditIds: new Set(), uids: new Set(), clusters: new Set() };
  if (report.cluster.identity) found.clusters.add(report.cluster.identity);
  for (const entry of report.journal) {
    if (entry.cluster) found.clusters.add(entry.cluster);
    if (entry.type === 'check-passed') collect(entry.evidence, found, 0);
  }
  return found;
}
