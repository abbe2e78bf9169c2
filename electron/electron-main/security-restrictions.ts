import type { App, Session, WebContents } from 'electron';
import { isAppUrl } from './app-protocol.ts';
import { navigationDecision, permissionDecision, windowOpenDecision } from './navigation.ts';

/**
 * Locks every web contents Labdeck ever creates to the app: no navigation or redirect away from
 * labdeck://app/, no new windows, no <webview>, no permissions beyond clipboard writes. Allow-listed
 * documentation links are handed to the system browser instead of being followed.
 *
 * Only Electron *types* are imported here, so it is tested with fakes; main.ts passes the real objects.
 */
export interface SecurityRestrictionsDeps {
  app: Pick<App, 'on'>;
  /** Opens a URL in the system browser (shell.openExternal); only ever called with URLs that passed isAllowedExternalUrl. */
  openInBrowser: (url: string) => Promise<void>;
  /** Where refused navigations are reported. */
  log?: (message: string) => void;
}

export function installSecurityRestrictions(deps: SecurityRestrictionsDeps): void {
  deps.app.on('web-contents-created', (_event, contents) => restrictWebContents(contents, deps));
}

export function restrictWebContents(contents: WebContents, deps: Omit<SecurityRestrictionsDeps, 'app'>): void {
  const log = deps.log ?? ((message: string) => console.warn(`[labdeck] ${message}`));
  const openExternally = (url: string): void => {
    deps.openInBrowser(url).catch((error: unknown) => log(`could not open ${url} in the system browser: ${String(error)}`));
  };

  // Main-frame navigation (link clicks, location changes): follow only the app's own URLs.
  contents.on('will-navigate', (event) => {
    const decision = navigationDecision(event.url);
    if (decision.action === 'allow') return;
    event.preventDefault();
    if (decision.openExternally) openExternally(decision.openExternally);
    else log(`blocked navigation to ${event.url}`);
  });

  // Sub-frames (the app has none, but a lab's HTML could try): same rule, never opened externally.
  contents.on('will-frame-navigate', (event) => {
    if (event.isMainFrame || isAppUrl(event.url)) return;
    event.preventDefault();
    log(`blocked frame navigation to ${event.url}`);
  });

  contents.on('will-redirect', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    log(`blocked redirect to ${event.url}`);
  });

  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.action === 'deny' && decision.openExternally) openExternally(decision.openExternally);
    else log(`blocked window.open of ${url}`);
    return { action: 'deny' };
  });

  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
}

/** Permission policy for a session: nothing but clipboard writes by the app itself. */
export function restrictSession(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(permissionDecision(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    permissionDecision(permission, details.requestingUrl ?? requestingOrigin),
  );
  session.setDevicePermissionHandler(() => false);
}
