import { z } from 'zod';
import { ManifestProblemSchema, type ManifestProblem } from '../../common/api/cluster.ts';
import type { ManifestAnalysis } from '../cluster/manifest-analysis.ts';
import type { ManifestDocumentData } from '../cluster/manifest-documents.ts';
import { STRIDE } from '../cluster/manifest-positions.ts';

/**
 * Messages between the event loop and the manifest worker (manifest-worker.ts). Both sides check what they
 * receive: the worker's answers are input like any other, and a wrong one must become a problem the user
 * sees, not an exception in the backend.
 */

export const RequestSchema = z.discriminatedUnion('type', [
  /** The schema unknown fields are checked against; json null means the bundled one. */
  z.object({ type: z.literal('schema'), version: z.number().int(), json: z.string().nullable() }),
  z.object({ type: z.literal('analyze'), id: z.number().int(), text: z.string(), schemaVersion: z.number().int(), documents: z.boolean() }),
]);
export type Request = z.infer<typeof RequestSchema>;

export const ResponseSchema = z.discriminatedUnion('type', [
  /** Loaded and warmed up: a job's time limit runs from here, start-up has its own. */
  z.object({ type: z.literal('ready') }),
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    problems: z.array(ManifestProblemSchema),
    /** false when the worker answered from its last analysis of the same text, without parsing again. */
    parsed: z.boolean(),
    /**
     * The objects as JSON text plus one position table per object (transferred, not copied). JSON rather
     * than a structured clone of the objects: for the objects of a 1 MB manifest, stringify + parse took a
     * third of what a structured clone took, and the API server is sent JSON anyway.
     */
    documents: z.object({ json: z.string(), tables: z.array(z.instanceof(Int32Array)) }).optional(),
  }),
  z.object({ type: z.literal('failure'), id: z.number().int(), message: z.string() }),
]);
export type Response = z.infer<typeof ResponseSchema>;

const DocumentsSchema = z.array(
  z.object({
    index: z.number().int().min(0),
    line: z.number().int().min(1),
    // What apply, delete and diff read of an object; the rest goes to the API server as it is.
    object: z.looseObject({
      apiVersion: z.string(),
      kind: z.string(),
      metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
    }),
    keys: z.array(z.string().nullable()),
  }),
);

/** The worker's answer to an analyze request, with the buffers to transfer. */
export function encodeResult(id: number, analysis: ManifestAnalysis, withDocuments: boolean, parsed: boolean): { message: Response; transfer: ArrayBuffer[] } {
  if (!withDocuments) return { message: { type: 'result', id, problems: analysis.problems, parsed }, transfer: [] };
  // Copies are transferred: the worker keeps its own tables for the next call on the same text, and the copy
  // is made here, off the event loop, which then receives the buffers without copying them again.
  const tables = analysis.documents.map((document) => document.positions.table.slice());
  const json = JSON.stringify(analysis.documents.map(({ index, line, object, positions }) => ({ index, line, object, keys: positions.keys })));
  const transfer = tables.map((table) => table.buffer);
  return { message: { type: 'result', id, problems: analysis.problems, parsed, documents: { json, tables } }, transfer };
}

/** The analysis in a checked answer, or why the answer is unusable. */
export function decodeResult(message: Extract<Response, { type: 'result' }>): ManifestAnalysis | { invalid: string } {
  const problems: ManifestProblem[] = message.problems;
  if (!message.documents) return { problems, documents: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(message.documents.json);
  } catch (error) {
    return { invalid: `its objects are not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = DocumentsSchema.safeParse(raw);
  if (!parsed.success) return { invalid: `its objects do not have the expected shape (${parsed.error.issues[0]?.message ?? 'unknown'})` };
  const { tables } = message.documents;
  if (tables.length !== parsed.data.length) return { invalid: 'it has a different number of objects and position tables' };
  const documents: ManifestDocumentData[] = [];
  for (const [position, entry] of parsed.data.entries()) {
    const table = tables[position]!;
    if (table.length !== entry.keys.length * STRIDE) return { invalid: 'a position table does not match its keys' };
    documents.push({ index: entry.index, line: entry.line, object: entry.object as ManifestDocumentData['object'], positions: { table, keys: entry.keys } });
  }
  return { problems, documents };
}
