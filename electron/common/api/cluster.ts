import { z } from 'zod';
import { defineCall, defineEvent } from './define.ts';

/** A problem found in a manifest, located at a line and column of the text the user edited (1-based). */
export const ManifestProblemSchema = z.object({
  line: z.number().int().min(1),
  column: z.number().int().min(1),
  endLine: z.number().int().min(1).optional(),
  endColumn: z.number().int().min(1).optional(),
  message: z.string(),
  source: z.enum(['yaml', 'schema', 'api-server']),
});
export type ManifestProblem = z.infer<typeof ManifestProblemSchema>;

export const AppliedObjectSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  action: z.enum(['created', 'configured', 'unchanged', 'deleted', 'not-found']),
});

export const ManifestOutcomeSchema = z.object({
  ok: z.boolean(),
  objects: z.array(AppliedObjectSchema),
  problems: z.array(ManifestProblemSchema),
});
export type ManifestOutcome = z.infer<typeof ManifestOutcomeSchema>;

export const DiffDocumentSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  /** Live object as YAML (managed fields stripped), or null when it does not exist yet. */
  live: z.string().nullable(),
  /** What the object would be after applying (server-side dry run), as YAML. */
  proposed: z.string(),
});

export const NetworkMapSchema = z.object({
  nodes: z.array(z.object({ name: z.string(), role: z.string(), ip: z.string().optional(), podCIDR: z.string().optional(), ready: z.boolean() })),
  pods: z.array(
    z.object({
      namespace: z.string(),
      name: z.string(),
      node: z.string().optional(),
      ip: z.string().optional(),
      phase: z.string(),
      labels: z.record(z.string(), z.string()),
      dnsName: z.string().optional(),
    }),
  ),
  services: z.array(
    z.object({
      namespace: z.string(),
      name: z.string(),
      type: z.string(),
      clusterIP: z.string().optional(),
      ports: z.array(z.object({ name: z.string().optional(), port: z.number(), targetPort: z.union([z.number(), z.string()]).optional(), nodePort: z.number().optional(), protocol: z.string() })),
      selector: z.record(z.string(), z.string()),
      endpoints: z.array(z.object({ ip: z.string(), podName: z.string().optional(), node: z.string().optional() })),
      dnsName: z.string(),
    }),
  ),
  available: z.boolean(),
  message: z.string().optional(),
  updatedAt: z.string(),
});
export type NetworkMap = z.infer<typeof NetworkMapSchema>;

const Manifest = z.object({ yaml: z.string().max(1_000_000), fileName: z.string().max(200).optional() }).strict();

export const clusterCalls = {
  'cluster.apply': defineCall(Manifest, ManifestOutcomeSchema, 'Server-side apply every document of a manifest'),
  'cluster.delete': defineCall(Manifest, ManifestOutcomeSchema, 'Delete every object a manifest names'),
  'cluster.diff': defineCall(Manifest, z.object({ documents: z.array(DiffDocumentSchema), problems: z.array(ManifestProblemSchema) }), 'Live vs proposed, per document'),
  'cluster.validate': defineCall(Manifest, z.object({ problems: z.array(ManifestProblemSchema) }), 'Parse and validate without sending anything'),
  'cluster.schema': defineCall(z.object({}).strict(), z.object({ source: z.enum(['live', 'bundled']), schema: z.unknown() }), 'JSON schema for the YAML editor'),
  'cluster.map': defineCall(z.object({}).strict(), NetworkMapSchema, 'Nodes, pods, services and endpoints for the network map'),
} as const;

export const clusterEvents = {
  'cluster.map': defineEvent(NetworkMapSchema, 'The network map changed'),
} as const;
