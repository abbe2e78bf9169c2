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
    expect(await open({ url: 'http://localhost:30080/' })).toEqual({ opened: true });
    expect(openExternal).toHaveBeenCalledWith('http://localhost:30080/');
    await expect(open({ url: 'http://localhost:41234/' })).rejects.toThrow(/does not open/);
  });

  it('lets the browser shell open it in a new tab', async () => {
    const handlers = createAppHandlers({ shell: 'browser', catalog, nodePorts: async () => ({ requested: [30080] }) });
    const open = handlers['app.openExternal'] as (input: { url: string }) => Promise<{ opened: boolean }>;
    expect(await open({ url: 'http://127.0.0.1:30080/' })).toEqual({ opened: false });
  });
});
