import { z } from 'zod';
import { defineCall, defineEvent } from './define.ts';

export const EnvPhaseSchema = z.enum(['preflight', 'images', 'network', 'nodes', 'join', 'readiness', 'jumphost', 'cleanup', 'done']);
export type EnvPhase = z.infer<typeof EnvPhaseSchema>;

export const EnvOperationSchema = z.enum(['up', 'down', 'reset', 'resume']);

/** One progress report of a long environment operation; the UI draws a bar per phase and per node. */
export const EnvProgressSchema = z.object({
  operation: EnvOperationSchema,
  phase: EnvPhaseSchema,
  node: z.string().optional(),
  percent: z.number().min(0).max(100),
  message: z.string(),
  log: z.string().optional(),
  at: z.string(),
});
export type EnvProgress = z.infer<typeof EnvProgressSchema>;

export const EnvStateSchema = z.enum(['absent', 'creating', 'running', 'stopped', 'degraded', 'deleting', 'error']);
export type EnvState = z.infer<typeof EnvStateSchema>;

export const EnvNodeSchema = z.object({
  name: z.string(),
  role: z.enum(['server', 'agent', 'jumphost']),
  containerState: z.string(),
  ip: z.string().optional(),
  podCIDR: z.string().optional(),
  ready: z.boolean(),
});
export type EnvNode = z.infer<typeof EnvNodeSchema>;

export const EnvStatusSchema = z.object({
  state: EnvStateSchema,
  nodes: z.array(EnvNodeSchema),
  apiServer: z.object({ host: z.string(), port: z.number().int() }).optional(),
  nodePort: z.object({ requested: z.number().int(), published: z.number().int() }).optional(),
  dockerHost: z.string(),
  /**
   * The nodes this environment is made of (from its settings), whether or not they exist yet: the UI shows
   * a terminal entry for each from the start, with its state.
   */
  topology: z.array(z.object({ name: z.string(), role: z.enum(['server', 'agent', 'jumphost']) })).optional(),
  message: z.string().optional(),
  action: z.string().optional(),
});
export type EnvStatus = z.infer<typeof EnvStatusSchema>;

export const DoctorFindingSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['ok', 'warn', 'fail']),
  detail: z.string(),
  action: z.string().optional(),
});
export type DoctorFinding = z.infer<typeof DoctorFindingSchema>;

export const DoctorReportSchema = z.object({ ok: z.boolean(), findings: z.array(DoctorFindingSchema) });
export type DoctorReport = z.infer<typeof DoctorReportSchema>;

const Empty = z.object({}).strict();

export const envCalls = {
  'env.status': defineCall(Empty, EnvStatusSchema, 'Current state of the lab environment'),
  'env.up': defineCall(Empty, EnvStatusSchema, 'Create (or start) the cluster; progress arrives as env.progress events'),
  'env.resume': defineCall(Empty, EnvStatusSchema, 'Reattach to an existing environment found by its labels'),
  'env.reset': defineCall(Empty, EnvStatusSchema, 'Replace the cluster with a fresh one, keeping images'),
  'env.down': defineCall(Empty, EnvStatusSchema, 'Remove every container, network and volume Labdeck created'),
  'env.cancel': defineCall(Empty, z.object({ cancelled: z.boolean() }), 'Cancel the running environment operation'),
  'env.doctor': defineCall(Empty, DoctorReportSchema, 'Preflight checks with what to do for each finding'),
  'env.kubeconfig': defineCall(
    z.object({ merge: z.boolean() }).strict(),
    z.object({ path: z.string(), context: z.string() }),
    'Write or merge a labdeck context into the user kubeconfig',
  ),
} as const;

export const envEvents = {
  'env.progress': defineEvent(EnvProgressSchema, 'Progress of up/down/reset/resume'),
  'env.status': defineEvent(EnvStatusSchema, 'The environment state changed'),
} as const;
