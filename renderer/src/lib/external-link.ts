import { isAllowedExternalUrl } from '../../../electron/common/external-links.ts';
import type { WorkspaceApi } from './workspace-api.ts';

/**
 * Opens a documentation link outside the app. The backend judges the allow-list (and throws for anything
 * else); the Electron shell then opens the system browser itself, while in a browser it answers
 * `opened: false` and the page opens a new tab without giving it a handle on this one.
 */
export async function openAllowedLink(api: WorkspaceApi, url: string): Promise<void> {
  const answer = await api.call('app.openExternal', { url });
  // A lab NodePort may be published on another port than the one the guide names; the backend says which.
  const target = answer.url ?? url;
  // The backend refuses anything off the allow-list; checking here too keeps window.open behind the same rule.
  if (!answer.opened && isAllowedExternalUrl(target)) window.open(target, '_blank', 'noopener,noreferrer');
}
