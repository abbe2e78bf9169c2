import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { isAllowedExternalUrl } from '../common/external-links.ts';
import { appMenuTemplate } from './app-menu.ts';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu) : [])]);
}

const roles = (items: MenuItemConstructorOptions[]) => flatten(items).map((item) => item.role).filter(Boolean);

describe('application menu', () => {
  it.each(['darwin', 'linux', 'win32'] as const)('keeps copy, paste and zoom working on %s', (platform) => {
    const template = appMenuTemplate({ platform, isPackaged: true, openDocs: () => undefined });
    expect(roles(template)).toEqual(expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'zoomIn', 'zoomOut', 'resetZoom']));
  });

  it('offers developer tools only in development builds', () => {
    expect(roles(appMenuTemplate({ platform: 'linux', isPackaged: true, openDocs: () => undefined }))).not.toContain('toggleDevTools');
    expect(roles(appMenuTemplate({ platform: 'linux', isPackaged: false, openDocs: () => undefined }))).toContain('toggleDevTools');
  });

  it('has the macOS application menu only on macOS', () => {
    expect(roles(appMenuTemplate({ platform: 'darwin', isPackaged: true, openDocs: () => undefined }))).toContain('appMenu');
    expect(roles(appMenuTemplate({ platform: 'win32', isPackaged: true, openDocs: () => undefined }))).not.toContain('appMenu');
  });

  it('opens only allow-listed documentation from Help', () => {
    const openDocs = vi.fn();
    const help = flatten(appMenuTemplate({ platform: 'linux', isPackaged: true, openDocs })).filter((item) => item.click);
    expect(help.length).toBeGreaterThan(0);
    for (const item of help) (item.click as () => void)();
    expect(openDocs).toHaveBeenCalledTimes(help.length);
    for (const [url] of openDocs.mock.calls) expect(isAllowedExternalUrl(url as string)).toBe(true);
    // The cluster is built with kubeadm: its reference is one click away.
    expect(openDocs.mock.calls.map(([url]) => url)).toContain('https://kubernetes.io/docs/reference/setup-tools/kubeadm/');
  });
});
