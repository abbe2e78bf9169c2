import { describe, expect, it } from 'vitest';
import { navigationDecision, permissionDecision, windowOpenDecision } from './navigation.ts';

describe('navigationDecision', () => {
  it('lets the app navigate within itself', () => {
    expect(navigationDecision('labdeck://app/index.html')).toEqual({ action: 'allow' });
    expect(navigationDecision('labdeck://app/index.html#/labs/1.5')).toEqual({ action: 'allow' });
  });

  it('sends allow-listed documentation links to the system browser instead of following them', () => {
    const url = 'https://kubernetes.io/docs/concepts/services-networking/service/';
    expect(navigationDecision(url)).toEqual({ action: 'deny', openExternally: url });
    expect(navigationDecision('https://docs.cilium.io/en/stable/')).toEqual({ action: 'deny', openExternally: 'https://docs.cilium.io/en/stable/' });
  });

  it.each([
    'https://evil.example/',
    'https://kubernetes.io.evil.example/',
    'https://user:pass@kubernetes.io/',
    'http://kubernetes.io/docs/',
    'javascript:alert(document.domain)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<h1>hi</h1>',
    'file:///etc/passwd',
    'labdeck://evil/',
    'about:blank',
    'chrome://settings',
    'not a url',
    '',
  ])('blocks %s without opening anything', (url) => {
    expect(navigationDecision(url)).toEqual({ action: 'deny' });
  });

  it('blocks non-string input', () => {
    expect(navigationDecision(undefined)).toEqual({ action: 'deny' });
  });
});

describe('windowOpenDecision', () => {
  it('never opens a window, not even for the app itself', () => {
    expect(windowOpenDecision('labdeck://app/index.html')).toEqual({ action: 'deny' });
    expect(windowOpenDecision('https://evil.example/')).toEqual({ action: 'deny' });
  });

  it('opens allow-listed links externally', () => {
    const kubeadmDocs = 'https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-init/';
    expect(windowOpenDecision(kubeadmDocs)).toEqual({ action: 'deny', openExternally: kubeadmDocs });
  });
});

describe('permissionDecision', () => {
  it('grants clipboard writes to the app only', () => {
    expect(permissionDecision('clipboard-sanitized-write', 'labdeck://app/index.html')).toBe(true);
    expect(permissionDecision('clipboard-sanitized-write', 'labdeck://app')).toBe(true);
    expect(permissionDecision('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(permissionDecision('clipboard-sanitized-write', undefined)).toBe(false);
  });

  it.each(['clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'display-capture', 'hid', 'serial', 'usb', 'unknown'])(
    'denies %s even to the app',
    (permission) => {
      expect(permissionDecision(permission, 'labdeck://app/index.html')).toBe(false);
    },
  );
});
