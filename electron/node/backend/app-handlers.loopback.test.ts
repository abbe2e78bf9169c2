import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetLoopbackPorts } from '../../common/external-links.ts';
import type { LabCatalog } from '../labs/lab-catalog.ts';
import { createAppHandlers } from './app-handlers.ts';

afterEach(() => resetLoopbackPorts());

describe('app.openExternal and lab NodePorts', () => {
  const catalog = { course: { id: 'c', title: 'C' } } as unknown as LabCatalog;

  it("opens lab 1.9's http://localhost:30080/ in the system browser, and nothing else on loopback", async () => {
    const openExternal = vi.fn(async () => undefined);
    const handlers = createAppHandlers({ shell: 'electron', catalog, openExternal, nodePorts: async () => ({ requested: [30080], published: [30080] }) });
    const open = handlers['app.openExternal'] as (input: { url: string }) => Promise<{ opened: boolean }>;
    expect(await open({ url: 'http://localhost:30080/' })).toEqual({ opened: true, url: 'http://localhost:30080/' });
    expect(openExternal).toHaveBeenCalledWith('http://localhost:30080/');
    await expect(open({ url: 'http://localhost:41234/' })).rejects.toThrow(/does not open/);
  });

  it('lets the browser shell open it in a new tab', async () => {
    const handlers = createAppHandlers({ shell: 'browser', catalog, nodePorts: async () => ({ requested: [30080] }) });
    const open = handlers['app.openExternal'] as (input: { url: string }) => Promise<{ opened: boolean }>;
    expect(await open({ url: 'http://127.0.0.1:30080/' })).toEqual({ opened: false, url: 'http://127.0.0.1:30080/' });
  });

  it('records opening a lab NodePort as evidence, on the port really published, and nothing for documentation links', async () => {
    const openExternal = vi.fn(async () => undefined);
    const recordCommand = vi.fn();
    const handlers = createAppHandlers({
      shell: 'electron',
      catalog,
      openExternal,
      recordCommand,
      // 30080 was taken on this laptop, so the environment published nodePort 30080 on 30081.
      nodePorts: async () => ({ requested: [30080], published: [30081] }),
      publishedPort: async (nodePort) => (nodePort === 30080 ? 30081 : null),
    });
    const open = handlers['app.openExternal'] as (input: { url: string }) => Promise<{ opened: boolean; url?: string }>;
    expect(await open({ url: 'http://localhost:30080/' })).toEqual({ opened: true, url: 'http://localhost:30081/' });
    expect(openExternal).toHaveBeenLastCalledWith('http://localhost:30081/');
    expect(recordCommand).toHaveBeenCalledTimes(1);
    expect(recordCommand.mock.calls[0]?.[0]).toMatchObject({ command: 'open http://localhost:30081/', exitCode: 0, terminal: 'browser' });

    expect(await open({ url: 'https://kubernetes.io/docs/concepts/services-networking/service/' })).toEqual({ opened: true });
    expect(recordCommand).toHaveBeenCalledTimes(1);
    await expect(open({ url: 'http://localhost:41234/' })).rejects.toThrow(/does not open/);
    expect(recordCommand).toHaveBeenCalledTimes(1);
  });
});
