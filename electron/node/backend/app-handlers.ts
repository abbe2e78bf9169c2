import { readFileSync } from 'node:fs';
import type { AppInfo } from '../../common/api/app.ts';
import type { CallHandlers } from '../../common/api/contract.ts';
import { allowLoopbackPorts, isAllowedExternalUrl } from '../../common/external-links.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { LabCatalog } from '../labs/lab-catalog.ts';

export interface AppHandlerDeps {
  shell: 'electron' | 'browser';
  catalog: LabCatalog;
  /** Opens a URL in the system browser; absent where the page can open links itself (browser shell). */
  openExternal?: (url: string) => Promise<void>;
  /**
   * The lab environment's NodePorts on this machine (requested, and the host ports actually published),
   * so lab 1.9's http://localhost:30080/ may open; asked only when such a link is followed.
   */
  nodePorts?: () => Promise<{ requested: readonly number[]; published?: readonly number[] }>;
  /** How the course was opened (course-pack/course-trust.ts): shown on the start screen. */
  courseTrust?: NonNullable<AppInfo['course']['trust']>;
  /** The kubeconfig given with --kubeconfig: checks read that cluster, not the Labdeck environment. */
  externalKubeconfig?: string;
}

const packageVersion = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function createAppHandlers(deps: AppHandlerDeps): Pick<CallHandlers, 'app.info' | 'app.openExternal'> {
  return {
    'app.info': async () => ({
      name: 'Labdeck',
      version: packageVersion,
      shell: deps.shell,
      platform: process.platform,
      course: {
        id: deps.catalog.course.id,
        title: deps.catalog.course.title,
        ...(deps.catalog.course.organization === undefined ? {} : { organization: deps.catalog.course.organization }),
        ...(deps.courseTrust === undefined ? {} : { trust: deps.courseTrust }),
      },
      cluster: deps.externalKubeconfig === undefined ? { source: 'environment' } : { source: 'kubeconfig', kubeconfig: deps.externalKubeconfig },
    }),
    'app.openExternal': async ({ url }) => {
      if (deps.nodePorts && /^http:\/\/(localhost|127\.0\.0\.1):/i.test(url)) allowLoopbackPorts(await deps.nodePorts().catch(() => ({ requested: [] })));
      if (!isAllowedExternalUrl(url)) {
        throw new LabdeckError('invalid-request', `Labdeck does not open ${url} outside the app.`, {
          action:
            'Only https links to Kubernetes, k3s and CNI documentation, and the lab NodePorts on this machine (http://localhost:30080/) open in the system browser; copy the link if you need it.',
        });
      }
      if (!deps.openExternal) return { opened: false };
      await deps.openExternal(url);
      return { opened: true };
    },
  };
}
