import { EventEmitter } from 'node:events';
import type { App, Session, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { installSecurityRestrictions, restrictSession } from './security-restrictions.ts';

/** A WebContents stand-in: real event emission, a recorded window-open handler. */
class FakeWebContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  /** Emits a navigation-like event and reports whether a listener called preventDefault(). */
  attempt(event: string, details: Record<string, unknown>): boolean {
    let prevented = false;
    this.emit(event, { ...details, preventDefault: () => (prevented = true) });
    return prevented;
  }
}

function setup() {
  const app = new EventEmitter();
  const openExternal = vi.fn(async (_url: string) => undefined);
  const log = vi.fn();
  installSecurityRestrictions({ app: app as unknown as App, openInBrowser: openExternal, log });
  const contents = new FakeWebContents();
  app.emit('web-contents-created', {}, contents as unknown as WebContents);
  return { contents, openExternal, log };
}

describe('installSecurityRestrictions', () => {
  it('restricts every web contents as it is created', () => {
    const { contents } = setup();
    expect(contents.listenerCount('will-navigate')).toBe(1);
    expect(contents.listenerCount('will-frame-navigate')).toBe(1);
    expect(contents.listenerCount('will-redirect')).toBe(1);
    expect(contents.listenerCount('will-attach-webview')).toBe(1);
    expect(contents.windowOpenHandler).toBeTypeOf('function');
  });

  it('lets the app navigate within labdeck://app/', () => {
    const { contents, openExternal } = setup();
    expect(contents.attempt('will-navigate', { url: 'labdeck://app/index.html' })).toBe(false);
    expect(contents.attempt('will-redirect', { url: 'labdeck://app/index.html' })).toBe(false);
    expect(openExternal).not.toHaveBeenCalled();
  });

  it.each(['https://evil.example/', 'javascript:alert(1)', 'file:///etc/passwd', 'labdeck://elsewhere/', 'http://kubernetes.io/'])(
    'blocks navigation to %s and opens nothing',
    (url) => {
      const { contents, openExternal, log } = setup();
      expect(contents.attempt('will-navigate', { url })).toBe(true);
      expect(openExternal).not.toHaveBeenCalled();
      expect(log).toHaveBeenCalledWith(expect.stringContaining('blocked navigation'));
    },
  );

  it('blocks navigation to an allowed documentation link but opens it in the system browser', () => {
    const { contents, openExternal } = setup();
    const url = 'https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/';
    expect(contents.attempt('will-navigate', { url })).toBe(true);
    expect(openExternal).toHaveBeenCalledExactlyOnceWith(url);
  });

  it('blocks redirects away from the app, even to allowed hosts, without opening them', () => {
    const { contents, openExternal } = setup();
    expect(contents.attempt('will-redirect', { url: 'https://kubernetes.io/' })).toBe(true);
    expect(contents.attempt('will-redirect', { url: 'https://evil.example/' })).toBe(true);
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('blocks sub-frame navigation away from the app and leaves the main frame to will-navigate', () => {
    const { contents, openExternal } = setup();
    expect(contents.attempt('will-frame-navigate', { url: 'https://evil.example/', isMainFrame: false })).toBe(true);
    expect(contents.attempt('will-frame-navigate', { url: 'https://kubernetes.io/', isMainFrame: false })).toBe(true);
    expect(contents.attempt('will-frame-navigate', { url: 'labdeck://app/index.html', isMainFrame: false })).toBe(false);
    expect(contents.attempt('will-frame-navigate', { url: 'https://evil.example/', isMainFrame: true })).toBe(false);
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('denies every new window and opens only allowed links externally', () => {
    const { contents, openExternal } = setup();
    const open = contents.windowOpenHandler!;
    expect(open({ url: 'labdeck://app/index.html' })).toEqual({ action: 'deny' });
    expect(open({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(open({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled();
    expect(open({ url: 'https://github.com/flannel-io/flannel' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledExactlyOnceWith('https://github.com/flannel-io/flannel');
  });

  it('prevents <webview> attachment', () => {
    const { contents } = setup();
    expect(contents.attempt('will-attach-webview', {})).toBe(true);
  });

  it('logs instead of crashing when the system browser cannot be opened', async () => {
    const app = new EventEmitter();
    const log = vi.fn();
    installSecurityRestrictions({ app: app as unknown as App, openInBrowser: async () => Promise.reject(new Error('no xdg-open')), log });
    const contents = new FakeWebContents();
    app.emit('web-contents-created', {}, contents);
    expect(contents.attempt('will-navigate', { url: 'https://kubernetes.io/' })).toBe(true);
    await vi.waitFor(() => expect(log).toHaveBeenCalledWith(expect.stringContaining('no xdg-open')));
  });
});

describe('restrictSession', () => {
  function handlers() {
    const recorded: Record<string, (...args: never[]) => unknown> = {};
    const session = {
      setPermissionRequestHandler: (handler: (...args: never[]) => unknown) => (recorded.request = handler),
      setPermissionCheckHandler: (handler: (...args: never[]) => unknown) => (recorded.check = handler),
      setDevicePermissionHandler: (handler: (...args: never[]) => unknown) => (recorded.device = handler),
    };
    restrictSession(session as unknown as Session);
    return recorded as Record<'request' | 'check' | 'device', (...args: unknown[]) => unknown>;
  }

  it('denies permission requests except clipboard writes from the app', () => {
    const { request } = handlers();
    const ask = (permission: string, requestingUrl: string) => {
      let granted: boolean | undefined;
      request({}, permission, (answer: boolean) => (granted = answer), { requestingUrl, isMainFrame: true });
      return granted;
    };
    expect(ask('media', 'labdeck://app/index.html')).toBe(false);
    expect(ask('notifications', 'labdeck://app/index.html')).toBe(false);
    expect(ask('openExternal', 'labdeck://app/index.html')).toBe(false);
    expect(ask('clipboard-read', 'labdeck://app/index.html')).toBe(false);
    expect(ask('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(ask('clipboard-sanitized-write', 'labdeck://app/index.html')).toBe(true);
  });

  it('answers permission checks the same way and refuses devices', () => {
    const { check, device } = handlers();
    expect(check(null, 'geolocation', 'labdeck://app', { isMainFrame: true })).toBe(false);
    expect(check(null, 'clipboard-sanitized-write', 'labdeck://app', { isMainFrame: true })).toBe(true);
    expect(check(null, 'clipboard-sanitized-write', 'https://evil.example', { isMainFrame: true })).toBe(false);
    expect(device({ deviceType: 'usb', origin: 'labdeck://app' })).toBe(false);
  });
});
