import type { CallHandlers } from '../../common/api/contract.ts';
import type { ClusterService } from './cluster-service.ts';

type ClusterCall = 'cluster.apply' | 'cluster.delete' | 'cluster.diff' | 'cluster.validate' | 'cluster.schema' | 'cluster.map' | 'cluster.tracePath';

/** What the editor did to the cluster, for the command record: the attendee's own action, seen by Labdeck. */
export type EditorActionListener = (action: { verb: 'apply' | 'delete'; fileName: string | undefined; startedAt: Date; finishedAt: Date; ok: boolean }) => void;

export function createClusterHandlers(service: ClusterService, onEditorAction: EditorActionListener = () => undefined): Pick<CallHandlers, ClusterCall> {
  const recorded = (verb: 'apply' | 'delete') => async ({ yaml, fileName }: { yaml: string; fileName?: string | undefined }) => {
    const startedAt = new Date();
    const outcome = verb === 'apply' ? await service.apply(yaml) : await service.delete(yaml);
    onEditorAction({ verb, fileName, startedAt, finishedAt: new Date(), ok: outcome.ok });
    return outcome;
  };
  return {
    'cluster.apply': recorded('apply'),
    'cluster.delete': recorded('delete'),
    'cluster.diff': async ({ yaml }) => service.diff(yaml),
    'cluster.validate': async ({ yaml }) => ({ problems: await service.validate(yaml) }),
    'cluster.schema': async () => service.schema(),
    'cluster.map': async () => service.map(),
    'cluster.tracePath': async () => service.tracePath(),
  };
}
