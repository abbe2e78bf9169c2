import { isAllowedExternalUrl } from '../common/external-links.ts';
import { isAppUrl } from './app-protocol.ts';

/**
 * What to do when a page tries to go somewhere (link click, location change, redirect, window.open):
 * stay if it is the app itself, hand allow-listed documentation links to the system browser, refuse
 * everything else. Nothing but the app ever renders inside a Labdeck window.
 */
export type NavigationDecision = { action: 'allow' } | { action: 'deny'; openExternally?: string };

export function navigationDecision(url: unknown): NavigationDecision {
  if (isAppUrl(url)) return { action: 'allow' };
  if (typeof url === 'string' && isAllowedExternalUrl(url)) return { action: 'deny', openExternally: url };
  return { action: 'deny' };
}

/** New windows are never created; allow-listed links go to the system browser instead. */
export function windowOpenDecision(url: unknown): NavigationDecision {
  const decision = navigationDecision(url);
  return decision.action === 'allow' ? { action: 'deny' } : decision;
}

/**
 * Permissions the page may use. The app needs none except writing text to the clipboard (the "Copy" button
 * on lab code blocks uses navigator.clipboard.writeText); reading the clipboard, camera, notifications and
 * the rest are refused, and nothing is granted to anything that is not the app.
 */
const grantedToApp = new Set<string>(['clipboard-sanitized-write']);

export function permissionDecision(permission: string, requestingUrl: string | undefined): boolean {
  return grantedToApp.has(permission) && isAppUrl(requestingUrl);
}
