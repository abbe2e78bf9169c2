import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/yaml/register';
import { configureMonacoYaml, type MonacoYaml } from 'monaco-yaml';

export { monaco };

/** Monaco's own themes with the few token colours that miss WCAG AA contrast (4.5:1) on their background raised. */
export const EDITOR_THEMES = { light: 'labdeck-light', dark: 'labdeck-dark' } as const;

function defineThemes(): void {
  monaco.editor.defineTheme(EDITOR_THEMES.light, { base: 'vs', inherit: true, rules: [], colors: {} });
  // vs-dark draws comments #6A9955 on #1E1E1E (4.0:1); manifests start with comments that explain them.
  monaco.editor.defineTheme(EDITOR_THEMES.dark, { base: 'vs-dark', inherit: true, rules: [{ token: 'comment', foreground: '8FBF7F' }], colors: {} });
}

export const SCHEMA_URI = 'labdeck://schemas/kubernetes.json';
/** Every model the editor opens lives under this folder, so one schema association covers all of them. */
export const MODEL_ROOT = 'file:///labdeck/';

let yaml: MonacoYaml | null = null;

type YamlOptions = NonNullable<Parameters<typeof configureMonacoYaml>[1]>;

function yamlOptions(schemas: NonNullable<YamlOptions['schemas']>): YamlOptions {
  return {
    enableSchemaRequest: false,
    // Problems come from one place, the backend's validation (YamlEditor runs it as one types): the same
    // words, severity and line as Validate and Apply, instead of a second parser's messages beside them.
    validate: false,
    completion: true,
    hover: true,
    format: { enable: true },
    schemas,
  };
}

/**
 * Sets Monaco up once per page: workers built by Vite from node_modules (allowed by the page's
 * `worker-src 'self' blob:`, no eval), and the YAML language service with the Kubernetes schema.
 */
export function setUpMonaco(): MonacoYaml {
  if (yaml) return yaml;
  defineThemes();
  globalThis.MonacoEnvironment = {
    getWorker(_workerId: string, label: string): Worker {
      return new Worker(new URL('monaco-editor/editor/editor.worker.js', import.meta.url), { type: 'module', name: label });
    },
  };
  yaml = configureMonacoYaml(monacoForYaml(), yamlOptions([]));
  return yaml;
}

interface LegacyWorkerOptions {
  label?: string;
  createData?: unknown;
}

/**
 * monaco-yaml (through monaco-worker-manager 2) still calls the pre-0.56 `createWebWorker({ moduleId, label,
 * createData })`; Monaco 0.56+ wants the Worker itself. This hands monaco-yaml a Monaco whose
 * createWebWorker starts our bundled YAML worker and sends it createData the way Monaco's own language
 * workers do (an init message, then the data).
 */
function monacoForYaml(): Parameters<typeof configureMonacoYaml>[0] {
  const createWebWorker = (options: LegacyWorkerOptions) => {
    const worker = new Worker(new URL('./yaml.worker.ts', import.meta.url), { type: 'module', name: options.label ?? 'yaml' });
    worker.postMessage('ignore');
    worker.postMessage(options.createData);
    return monaco.editor.createWebWorker({ worker });
  };
  return { ...monaco, editor: { ...monaco.editor, createWebWorker } } as unknown as Parameters<typeof configureMonacoYaml>[0];
}

/** Installs the Kubernetes schema for every manifest the editor opens. */
export async function useKubernetesSchema(schema: unknown): Promise<void> {
  await setUpMonaco().update(yamlOptions([{ uri: SCHEMA_URI, fileMatch: [`${MODEL_ROOT}**`, '**/*.yaml', '**/*.yml'], schema: schema as object }]));
}
