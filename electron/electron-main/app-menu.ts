import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuOptions {
  platform: NodeJS.Platform;
  /** Packaged builds leave out developer tools. */
  isPackaged: boolean;
  /** Opens an allow-listed documentation page in the system browser. */
  openDocs: (url: string) => void;
}

/**
 * The window's menu. It matters more than it looks: without Edit roles, copy and paste shortcuts do
 * nothing on macOS, and the View zoom roles are how a presenter enlarges everything on a projector.
 */
export function appMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    ...(options.isPackaged ? [] : [{ role: 'toggleDevTools' } as const]),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    mac ? { role: 'fileMenu' } : { label: '&File', submenu: [{ role: 'quit' }] },
    {
      label: '&Edit',
      submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
    },
    { label: '&View', submenu: view },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Kubernetes documentation', click: () => options.openDocs('https://kubernetes.io/docs/home/') },
        { label: 'kubeadm documentation', click: () => options.openDocs('https://kubernetes.io/docs/reference/setup-tools/kubeadm/') },
      ],
    },
  ];
}
