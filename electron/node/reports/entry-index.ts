import { createHash } from 'node:crypto';
import { canonicalJson, type JournalEntry } from '../progress/evidence-journal.ts';
import type { EntryIndex } from './report-format.ts';

/** Fields are digested down to this depth; anything deeper is digested as a whole under its parent path. */
const DEPTH = 3;

function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/** path → digest for every field of value down to DEPTH levels: "evidence.matched.command", "evidence[0].status". */
export function fieldDigests(value: unknown, prefix = '', depth = 0, out: Record<string, string> = {}): Record<string, string> {
  const isContainer = value !== null && typeof value === 'object';
  if (!isContainer || depth >= DEPTH || (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0)) {
    out[prefix || '(entry)'] = digest(value);
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => fieldDigests(item, `${prefix}[${index}]`, depth + 1, out));
  } else {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === undefined) continue;
      fieldDigests(item, prefix ? `${prefix}.${key}` : key, depth + 1, out);
    }
  }
  return out;
}

export function entryLabel(entry: Pick<JournalEntry, 'type' | 'labId' | 'stepId' | 'checkId'>): string {
  return `${entry.type} ${[entry.labId, entry.stepId, entry.checkId].filter((part) => part !== undefined).join('/')}`;
}

export function indexEntry(entry: JournalEntry): EntryIndex {
  return { seq: entry.seq, label: entryLabel(entry), hash: entry.hash, fields: fieldDigests(entry) };
}

/** The fields whose digests differ: changed, added or removed, sorted. */
export function changedFields(entry: JournalEntry, recorded: EntryIndex): string[] {
  const now = fieldDigests(entry);
  const paths = new Set([...Object.keys(now), ...Object.keys(recorded.fields)]);
  return [...paths].filter((field) => now[field] !== recorded.fields[field]).sort();
}
