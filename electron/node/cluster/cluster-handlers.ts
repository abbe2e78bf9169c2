import type { CallHandlers } from '../../common/api/contract.ts';
import type { ClusterService } from './cluster-service.ts';

type ClusterCall = 'cluster.apply' | 'cluster.delete' | 'cluster.diff' | 'cluster.validate' | 'cluster.schema' | 'cluster.map';

export function createClusterHandlers(service: ClusterService): Pick<CallHandlers, ClusterCall> {
  return {
    'cluster.apply': async ({ yaml }) => service.apply(yaml),
    'cluster.delete': async ({ yaml }) => service.delete(yaml),
    'cluster.diff': async ({ yaml }) => service.diff(yaml),
    'cluster.validate': async ({ yaml }) => ({ problems: await service.validate(yaml) }),
    'cluster.schema': async () => service.schema(),
    'cluster.map': async () => service.map(),
  };
}
