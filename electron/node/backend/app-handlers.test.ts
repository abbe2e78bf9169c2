import { describe, expect, it } from 'vitest';
import { AppInfoSchema } from '../../common/api/app.ts';
import type { LabCatalog } from '../labs/lab-catalog.ts';
import { createAppHandlers } from './app-handlers.ts';

describe('app.info', () => {
  const catalog = { course: { id: 'c', title: 'C' } } as unknown as LabCatalog;
  const info = async (deps: Partial<Parameters<typeof createAppHandlers>[0]>) =>
    AppInfoSchema.parse(await createAppHandlers({ shell: 'browser', catalog, ...deps })['app.info']({}, { clientId: 'test' }));

  it('says the checks read the Labdeck environment by default', async () => {
    expect((await info({})).cluster).toEqual({ source: 'environment' });
  });

  it('names the cluster given with --kubeconfig, so the window does not present the environment as the source', async () => {
    expect((await info({ externalKubeconfig: '/home/ada/.kube/workshop.yaml' })).cluster).toEqual({ source: 'kubeconfig', kubeconfig: '/home/ada/.kube/workshop.yaml' });
  });
});
