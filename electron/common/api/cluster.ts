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

/** A network device of a node the CNI set up (its bridge, its VXLAN tunnel), as `ip -d link` reports it. */
export const MapInterfaceSchema = z.object({
  name: z.string().max(64),
  kind: z.enum(['bridge', 'vxlan', 'ethernet']),
  address: z.string().max(64).optional(),
});
export type MapInterface = z.infer<typeof MapInterfaceSchema>;

/** What surrounds the cluster: the lab network, the jumphost, and the ports this computer publishes. */
export const LabSurroundingsSchema = z.object({
  network: z.string().max(64).optional(),
  jumphost: z.object({ ip: z.string().max(64) }).optional(),
  /** NodePorts reachable from this computer: `host:hostPort` forwards to `node`'s nodePort. */
  publishedPorts: z.array(z.object({ nodePort: z.number().int(), hostPort: z.number().int(), host: z.string().max(64), node: z.string().max(253).optional() })),
});
export type LabSurroundings = z.infer<typeof LabSurroundingsSchema>;

export const NetworkMapSchema = z.object({
  nodes: z.array(
    z.object({
      name: z.string(),
      role: z.string(),
      ip: z.string().optional(),
      podCIDR: z.string().optional(),
      ready: z.boolean(),
      interfaces: z.array(MapInterfaceSchema).optional(),
    }),
  ),
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
  lab: LabSurroundingsSchema.optional(),
});
export type NetworkMap = z.infer<typeof NetworkMapSchema>;

/** One step of a traced packet, with the real text that shows it and the command to see it on that node. */
export const PacketHopSchema = z.object({
  kind: z.enum(['source', 'entry', 'rule', 'endpoint', 'route', 'snat', 'dns']),
  node: z.string().max(253).optional(),
  title: z.string().max(500),
  /** The rule, route or conntrack line as the node printed it. */
  text: z.string().max(4_000),
  /** The command that shows it, to type in that node's terminal. */
  command: z.string().max(500),
  /** How many packets this rule matched for the traced request(s). */
  packets: z.number().int().optional(),
});
export type PacketHop = z.infer<typeof PacketHopSchema>;

export const PacketPathSchema = z.object({
  /** `traced`: the data plane showed the path; `not-seen`: it showed nothing for this request; `unavailable`: no nodes to read. */
  status: z.enum(['traced', 'not-seen', 'unavailable']),
  /** The command that triggered the trace, and the terminal it was typed in. */
  command: z.string().max(2_000).optional(),
  terminal: z.string().max(253).optional(),
  tracedAt: z.string(),
  summary: z.string().max(1_000),
  entryNode: z.string().max(253).optional(),
  service: z.object({ namespace: z.string(), name: z.string() }).optional(),
  endpoints: z.array(z.object({ ip: z.string(), port: z.number().int().optional(), node: z.string().optional(), pod: z.string().optional(), packets: z.number().int() })),
  /** The address the request left from (the jumphost, a pod, the Docker gateway for this computer). */
  from: z.string().max(64).optional(),
  /** The source address the endpoint saw (after source NAT when there was one). */
  sourceSeen: z.string().max(64).optional(),
  hops: z.array(PacketHopSchema).max(200),
  /** Milliseconds the trace took to read the nodes. */
  readMs: z.number().optional(),
});
export type PacketPath = z.infer<typeof PacketPathSchema>;

const Manifest = z.object({ yaml: z.string().max(1_000_000), fileName: z.string().max(200).optional() }).strict();

export const clusterCalls = {
  'cluster.apply': defineCall(Manifest, ManifestOutcomeSchema, 'Server-side apply every document of a manifest'),
  'cluster.delete': defineCall(Manifest, ManifestOutcomeSchema, 'Delete every object a manifest names'),
  'cluster.diff': defineCall(Manifest, z.object({ documents: z.array(DiffDocumentSchema), problems: z.array(ManifestProblemSchema) }), 'Live vs proposed, per document'),
  'cluster.validate': defineCall(Manifest, z.object({ problems: z.array(ManifestProblemSchema) }), 'Parse and validate without sending anything'),
  'cluster.schema': defineCall(z.object({}).strict(), z.object({ source: z.enum(['live', 'bundled']), schema: z.unknown() }), 'JSON schema for the YAML editor'),
  'cluster.map': defineCall(z.object({}).strict(), NetworkMapSchema, 'Nodes, pods, services and endpoints for the network map'),
  'cluster.tracePath': defineCall(
    z.object({}).strict(),
    PacketPathSchema.nullable(),
    "Read the nodes' counters and conntrack now and trace the last recorded command's packet (null: nothing recorded yet)",
  ),
} as const;

export const clusterEvents = {
  'cluster.map': defineEvent(NetworkMapSchema, 'The network map changed'),
  'cluster.path': defineEvent(PacketPathSchema, "A terminal's request was traced through the nodes' data plane"),
} as const;
