import { render, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkspaceApi } from '../../lib/workspace-api.ts';

// Monaco stays out of the app's start: the editor loads it when it is first on screen. A counted stand-in
// for monaco-setup.ts and a hand-driven IntersectionObserver show when that happens.
const fake = vi.hoisted(() => {
  const state = { loads: 0 };
  const model = { getValue: () => '', onDidChangeContent() {}, getLineCount: () => 1, getLineMaxColumn: () => 1, uri: 'm', updateOptions() {}, dispose() {} };
  const monaco = {
    MarkerSeverity: { Error: 8, Warning: 4 },
    KeyMod: { CtrlCmd: 2048 },
    KeyCode: { Enter: 3 },
    Uri: { parse: (value: string) => value },
    editor: {
      createModel: () => model,
      create: () => ({ addAction() {}, updateOptions() {}, setModel() {}, focus() {}, dispose() {}, revealLineInCenterIfOutsideViewport() {} }),
      setModelMarkers() {},
      getModelMarkers: () => [],
      onDidChangeMarkers: () => ({ dispose() {} }),
      setTheme() {},
    },
  };
  return {
    state,
    module: {
      monaco,
      MODEL_ROOT: 'file:///labdeck/',
      EDITOR_THEMES: { light: 'l', dark: 'd' },
      setUpMonaco: () => {
        state.loads++;
        return {};
      },
      useKubernetesSchema: async () => undefined,
    },
  };
});
vi.mock('./monaco-setup.ts', () => fake.module);

const { default: YamlEditor } = await import('./YamlEditor.svelte');

class FakeIntersectionObserver {
  static last: FakeIntersectionObserver | null = null;
  constructor(readonly callback: (entries: { isIntersecting: boolean }[]) => void) {
    FakeIntersectionObserver.last = this;
  }
  observe() {}
  disconnect() {}
  show(visible: boolean) {
    this.callback([{ isIntersecting: visible }]);
  }
}

function fakeApi() {
  const calls: string[] = [];
  const api = {
    async call(name: string) {
      calls.push(name);
      if (name === 'cluster.schema') return { source: 'bundled', schema: {} };
      if (name === 'cluster.validate') return { problems: [] };
      return { ok: true, objects: [], problems: [] };
    },
    on: () => () => undefined,
  } as unknown as WorkspaceApi;
  return { api, calls };
}

describe('YamlEditor loading Monaco', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    fake.state.loads = 0;
  });

  it('waits until the editor is on screen', async () => {
    vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver);
    const { api, calls } = fakeApi();
    render(YamlEditor, { api, openDocument: null });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.state.loads).toBe(0);
    expect(calls).not.toContain('cluster.schema');

    FakeIntersectionObserver.last?.show(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.state.loads).toBe(0);

    FakeIntersectionObserver.last?.show(true);
    await waitFor(() => expect(calls).toContain('cluster.schema'));
    expect(fake.state.loads).toBe(1);
  });

  it('loads it for an apply asked for before the editor was shown', async () => {
    vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver);
    const { api, calls } = fakeApi();
    const { component } = render(YamlEditor, { api, openDocument: null });
    await (component as unknown as { apply(): Promise<void> }).apply();
    expect(fake.state.loads).toBe(1);
    expect(calls).toContain('cluster.schema');
  });
});
