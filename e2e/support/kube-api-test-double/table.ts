import { fieldAt as field } from './object-content.ts';
import type { ResourceType, TestObject } from './resource-types.ts';

type Column = { name: string; priority: number; cell: (object: TestObject) => string | number };

function age(object: TestObject): string {
  const created = Date.parse(String(object.metadata.creationTimestamp ?? ''));
  const seconds = Number.isNaN(created) ? 0 : Math.max(0, Math.round((Date.now() - created) / 1000));
  return seconds < 120 ? `${seconds}s` : seconds < 7200 ? `${Math.round(seconds / 60)}m` : `${Math.round(seconds / 3600)}h`;
}

/** The columns `kubectl get` prints for the kinds labs show most; other kinds get NAME and AGE. */
const TABLE_COLUMNS: Record<string, Column[]> = {
  Pod: [
    { name: 'Ready', priority: 0, cell: (o) => `${(field(o, 'status', 'containerStatuses') as Array<{ ready?: boolean }> | undefined)?.filter((c) => c.ready).length ?? (field(o, 'status', 'phase') === 'Running' ? 1 : 0)}/${(field(o, 'spec', 'containers') as unknown[] | undefined)?.length ?? 0}` },
    { name: 'Status', priority: 0, cell: (o) => String(field(o, 'status', 'phase') ?? 'Pending') },
    { name: 'Restarts', priority: 0, cell: () => 0 },
    { name: 'Age', priority: 0, cell: age },
    { name: 'IP', priority: 1, cell: (o) => String(field(o, 'status', 'podIP') ?? '<none>') },
    { name: 'Node', priority: 1, cell: (o) => String(field(o, 'spec', 'nodeName') ?? '<none>') },
  ],
  Deployment: [
    { name: 'Ready', priority: 0, cell: (o) => `${Number(field(o, 'status', 'readyReplicas') ?? 0)}/${Number(field(o, 'spec', 'replicas') ?? 1)}` },
    { name: 'Up-to-date', priority: 0, cell: (o) => Number(field(o, 'status', 'updatedReplicas') ?? 0) },
    { name: 'Available', priority: 0, cell: (o) => Number(field(o, 'status', 'availableReplicas') ?? 0) },
    { name: 'Age', priority: 0, cell: age },
  ],
  Service: [
    { name: 'Type', priority: 0, cell: (o) => String(field(o, 'spec', 'type') ?? 'ClusterIP') },
    { name: 'Cluster-IP', priority: 0, cell: (o) => String(field(o, 'spec', 'clusterIP') ?? '<none>') },
    { name: 'External-IP', priority: 0, cell: () => '<none>' },
    {
      name: 'Port(s)',
      priority: 0,
      cell: (o) =>
        ((field(o, 'spec', 'ports') as Array<{ port?: number; nodePort?: number; protocol?: string }> | undefined) ?? [])
          .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
          .join(','),
    },
    { name: 'Age', priority: 0, cell: age },
  ],
  Namespace: [
    { name: 'Status', priority: 0, cell: (o) => String(field(o, 'status', 'phase') ?? 'Active') },
    { name: 'Age', priority: 0, cell: age },
  ],
  Node: [
    { name: 'Status', priority: 0, cell: (o) => ((field(o, 'status', 'conditions') as Array<{ type?: string; status?: string }> | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Ready' : 'NotReady') },
    { name: 'Roles', priority: 0, cell: (o) => Object.keys(o.metadata.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.split('/')[1]).join(',') || '<none>' },
    { name: 'Age', priority: 0, cell: age },
    { name: 'Version', priority: 0, cell: (o) => String(field(o, 'status', 'nodeInfo', 'kubeletVersion') ?? 'v1.33.4') },
  ],
};

/** The server-side printing kubectl asks for (Accept: ...;as=Table). */
export function asTable(type: ResourceType, objects: TestObject[], resourceVersion: number): Record<string, unknown> {
  const columns: Column[] = [{ name: 'Name', priority: 0, cell: (o) => o.metadata.name }, ...(TABLE_COLUMNS[type.kind] ?? [{ name: 'Age', priority: 0, cell: age }])];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(resourceVersion) },
    columnDefinitions: columns.map((column) => ({ name: column.name, type: 'string', format: column.name === 'Name' ? 'name' : '', description: '', priority: column.priority })),
    rows: objects.map((object) => ({
      cells: columns.map((column) => column.cell(object)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
    })),
  };
}
