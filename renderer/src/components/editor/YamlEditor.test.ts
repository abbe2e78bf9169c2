import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { ManifestProblem } from '../../../../electron/common/api/cluster.ts';
import type { WorkspaceApi } from '../../lib/workspace-api.ts';

// Monaco needs a real browser (workers, layout); a small stand-in keeps the text and records markers.
const fake = vi.hoisted(() => {
  const markers: { owner: string; markers: unknown[] }[] = [];
  let schema: unknown = null;
  class Model {
    constructor(public text: string) {}
    getValue() {
      return this.text;
    }
    getLineCount() {
      return this.text.split('\n').length;
    }
    getLineMaxColumn(line: number) {
      return (this.text.split('\n')[line - 1]?.length ?? 0) + 1;
    }
    listeners: Array<() => void> = [];
    onDidChangeContent(listener: () => void) {
      this.listeners.push(listener);
    }
    /** The attendee types: the text changes and Monaco tells its listeners. */
    edit(text: string) {
      this.text = text;
      for (const listener of this.listeners) listener();
    }
    uri = 'file:///labdeck/model';
    updateOptions() {}
    dispose() {}
  }
  let current: Model | null = null;
  const monaco = {
    MarkerSeverity: { Error: 8, Warning: 4 },
    KeyMod: { CtrlCmd: 2048 },
    KeyCode: { Enter: 3 },
    Uri: { parse: (value: string) => value },
    editor: {
      createModel: (text: string) => new Model(text),
      create: () => ({
        addAction() {},
        updateOptions() {},
        setModel(model: Model) {
          current = model;
        },
        focus() {},
        dispose() {},
        revealLineInCenterIfOutsideViewport() {},
        revealLineInCenter() {},
        setPosition() {},
      }),
      setModelMarkers: (_model: unknown, owner: string, list: unknown[]) => markers.push({ owner, markers: list }),
      getModelMarkers: () => [],
      onDidChangeMarkers: () => ({ dispose() {} }),
      setTheme() {},
      createDiffEditor: () => ({ setModel() {}, dispose() {} }),
    },
  };
  return {
    markers,
    current: () => current,
    schema: () => schema,
    module: {
      monaco,
      MODEL_ROOT: 'file:///labdeck/',
      EDITOR_THEMES: { light: 'labdeck-light', dark: 'labdeck-dark' },
      setUpMonaco: () => ({}),
      useKubernetesSchema: async (value: unknown) => {
        schema = value;
      },
    },
  };
});
vi.mock('./monaco-setup.ts', () => fake.module);

const { default: YamlEditor } = await import('./YamlEditor.svelte');

function fakeApi(validation: ManifestProblem[], applyProblems: ManifestProblem[] = []) {
  const calls: string[] = [];
  const api = {
    async call(name: string) {
      calls.push(name);
      if (name === 'cluster.schema') return { source: 'bundled', schema: { title: 'Kubernetes object' } };
      if (name === 'cluster.validate') return { problems: validation };
      if (name === 'cluster.apply') {
        return applyProblems.length > 0
          ? { ok: false, objects: [], problems: applyProblems }
          : { ok: true, objects: [{ apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'default', action: 'created' }], problems: [] };
      }
      return {};
    },
    on: () => () => undefined,
  } as unknown as WorkspaceApi;
  return { api, calls };
}

const POD = { fileName: 'pod.yaml', content: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n' };

describe('YamlEditor', () => {
  it('shows the opened manifest and installs the schema the backend offers', async () => {
    const { api } = fakeApi([]);
    render(YamlEditor, { api, openDocument: POD });
    expect(await screen.findByText('Schema: bundled')).toBeTruthy();
    expect(fake.current()?.getValue()).toBe(POD.content);
    expect(fake.schema()).toEqual({ title: 'Kubernetes object' });
    expect(screen.getByText('pod.yaml')).toBeTruthy();
  });

  it('applies a valid manifest and reports each object', async () => {
    const { api, calls } = fakeApi([]);
    render(YamlEditor, { api, openDocument: POD });
    const apply = await screen.findByRole('button', { name: 'Apply' });
    await waitFor(() => expect((apply as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(apply);
    expect(await screen.findByText('pod/web created (namespace default)')).toBeTruthy();
    expect(calls).toContain('cluster.apply');
  });

  it('marks invalid YAML at its line and sends nothing', async () => {
    const problem: ManifestProblem = { line: 3, column: 1, message: 'Implicit map keys need to be followed by map values', source: 'yaml' };
    const { api, calls } = fakeApi([problem]);
    render(YamlEditor, { api, openDocument: POD });
    const apply = await screen.findByRole('button', { name: 'Apply' });
    await waitFor(() => expect((apply as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(apply);
    expect(await screen.findByRole('button', { name: /Line 3: Implicit map keys/ })).toBeTruthy();
    expect(calls).not.toContain('cluster.apply');
    const last = fake.markers.filter((entry) => entry.owner === 'labdeck').at(-1);
    expect(last?.markers).toEqual([expect.objectContaining({ startLineNumber: 3, severity: 8, source: 'YAML' })]);
    expect(screen.getByText(/Not sent: 1 problem/)).toBeTruthy();
    // Listed once (the clickable list), not again in the summary.
    expect(screen.getAllByText(/Implicit map keys/)).toHaveLength(1);

    // Fixing the text clears the old verdict instead of leaving "Not sent" standing.
    fake.current()!.edit('apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n');
    await waitFor(() => expect(screen.queryByText(/Not sent/)).toBeNull());
    expect(screen.queryByRole('button', { name: /Line 3/ })).toBeNull();
  });

  it("marks problems as one types with the backend's validation, the same words Validate uses", async () => {
    const problem: ManifestProblem = { line: 3, column: 1, message: '`labels` is indented further than `name` above it', source: 'yaml' };
    const { api, calls } = fakeApi([problem]);
    render(YamlEditor, { api, openDocument: POD });
    await waitFor(() => expect(calls).toContain('cluster.validate'), { timeout: 3000 });
    await waitFor(() => expect(fake.markers.filter((entry) => entry.owner === 'labdeck').at(-1)?.markers).toEqual([expect.objectContaining({ startLineNumber: 3, severity: 8, message: problem.message })]));
    // Marks only: the list and its "Not sent" belong to an explicit Validate or Apply.
    expect(screen.queryByRole('list', { name: 'Problems' })).toBeNull();
  });

  it('brings back what was typed for this lab after a reload', async () => {
    const { api } = fakeApi([]);
    const scope = { courseId: 'k8s', labId: '1.2' };
    const first = render(YamlEditor, { api, openDocument: POD, draftScope: scope });
    await screen.findByText('Schema: bundled');
    fake.current()!.edit('kind: Pod # mine\n');
    first.unmount();
    render(YamlEditor, { api, openDocument: null, draftScope: scope });
    await waitFor(() => expect(fake.current()?.getValue()).toBe('kind: Pod # mine\n'));
    expect(await screen.findByText('pod.yaml')).toBeTruthy();
  });

  it('marks the line the API server objected to', async () => {
    const refused: ManifestProblem = { line: 4, column: 1, message: 'Pod web: metadata.name: Invalid value', source: 'api-server' };
    const { api } = fakeApi([], [refused]);
    render(YamlEditor, { api, openDocument: POD });
    const apply = await screen.findByRole('button', { name: 'Apply' });
    await waitFor(() => expect((apply as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(apply);
    expect(await screen.findByRole('button', { name: /Line 4: Pod web/ })).toBeTruthy();
    expect(screen.getByText(/API server refused a change/)).toBeTruthy();
  });
});
