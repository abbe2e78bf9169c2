import { readFileSync } from 'node:fs';
import type { AppInfo } from '../../common/api/app.ts';
import type { CallHandlers } from '../../common/api/contract.ts';
import { allowLoopbackPorts, isAllowedExternalUrl } from '../../common/external-links.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { CommandRecord } from '../checks/check-world.ts';
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
  /** The host port this computer publishes a lab NodePort on, or null when it is not published. */
  publishedPort?: (nodePort: number) => Promise<number | null>;
  /** Records the opening of a lab NodePort as a command of the `browser` terminal (`open <url>`). */
  recordCommand?: (record: CommandRecord) => void;
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
    'app.openExternal': async ({ url: requested }) => {
      // Asked once per link, and only for loopback ones: the environment's status is a Docker round trip.
      const ports = deps.nodePorts && /^http:\/\/(localhost|127\.0\.0\.1):/i.test(requested) ? await deps.nodePorts().catch(() => ({ requested: [] })) : undefined;
      if (ports) allowLoopbackPorts(ports);
      if (!isAllowedExternalUrl(requested)) {
        throw new LabdeckError('invalid-request', `Labdeck does not open ${requested} outside the app.`, {
          action:
            'Only https links to Kubernetes and CNI documentation, and the lab NodePorts on this machine (http://localhost:30080/) open in the system browser; copy the link if you need it.',
        });
      }
      const nodePortUrl = ports ? await labNodePortUrl(requested, ports, deps.publishedPort) : undefined;
      const url = nodePortUrl ?? requested;
      if (nodePortUrl) deps.recordCommand?.({ time: new Date().toISOString(), command: `open ${url}`, exitCode: 0, terminal: 'browser' });
      if (!deps.openExternal) return { opened: false, ...(nodePortUrl ? { url } : {}) };
      await deps.openExternal(url);
      return { opened: true, ...(nodePortUrl ? { url } : {}) };
    },
  };
}

/**
 * A link to a lab NodePort on this machine (http://localhost:30080/), as the URL to open: on the port the
 * environment really published, when 30080 was taken and it chose another. Undefined for any other link.
 */
async function labNodePortUrl(
  raw: string,
  ports: { requested: readonly number[]; published?: readonly number[] },
  publishedPort: AppHandlerDeps['publishedPort'],
): Promise<string | undefined> {
  const url = new URL(raw);
  const port = Number(url.port || '80');
  if (ports.requested.includes(port)) {
    const published = await publishedPort?.(port).catch(() => null);
    if (published && published !== port) url.port = String(published);
    return url.toString();
  }
  return (ports.published ?? []).includes(port) ? url.toString() : undefined;
}
