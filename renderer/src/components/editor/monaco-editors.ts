import { currentAppearance } from './theme.ts';

/**
 * Creates the editor's Monaco widgets. Monaco itself arrives as the lazily loaded `monaco-setup.ts` module,
 * passed in: importing it here would pull Monaco into the app's start (only its types are imported).
 */
export type MonacoModule = typeof import('./monaco-setup.ts');
type Monaco = MonacoModule['monaco'];
export type CodeEditor = ReturnType<Monaco['editor']['create']>;
export type DiffEditor = ReturnType<Monaco['editor']['createDiffEditor']>;
export type TextModel = ReturnType<Monaco['editor']['createModel']>;

export const DEFAULT_FILE_NAME = 'manifest.yaml';

export function editorTheme(setup: MonacoModule, dark: boolean): string {
  return dark ? setup.EDITOR_THEMES.dark : setup.EDITOR_THEMES.light;
}

/** The manifest editor, with Ctrl/Cmd+Enter bound to `onApply`. */
export function createManifestEditor(setup: MonacoModule, host: HTMLElement, onApply: () => void): CodeEditor {
  const { codeFontSize, dark } = currentAppearance();
  const editor = setup.monaco.editor.create(host, {
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: codeFontSize,
    scrollBeyondLastLine: false,
    renderWhitespace: 'boundary',
    tabSize: 2,
    quickSuggestions: { other: true, comments: false, strings: true },
    ariaLabel: 'Kubernetes manifest',
    // Hovers and suggestions may extend beyond the narrow panel instead of being cut at its left edge.
    fixedOverflowWidgets: true,
    theme: editorTheme(setup, dark),
  });
  editor.addAction({
    id: 'labdeck.apply',
    label: 'Apply to the cluster',
    keybindings: [setup.monaco.KeyMod.CtrlCmd | setup.monaco.KeyCode.Enter],
    run: onApply,
  });
  return editor;
}

/** A read-only side-by-side diff: the live objects against what Apply would make of them. */
export function createManifestDiffEditor(setup: MonacoModule, host: HTMLElement): DiffEditor {
  return setup.monaco.editor.createDiffEditor(host, {
    readOnly: true,
    automaticLayout: true,
    renderSideBySide: true,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    fontSize: currentAppearance().codeFontSize,
  });
}

/**
 * A YAML model for one document. Each gets its own folder under MODEL_ROOT (the schema covers that
 * folder), named after the file with characters a URI path would mangle replaced.
 */
export function createManifestModel(setup: MonacoModule, fileName: string | undefined, content: string, serial: number): TextModel {
  const name = (fileName ?? DEFAULT_FILE_NAME).replace(/[^A-Za-z0-9._-]/g, '_') || DEFAULT_FILE_NAME;
  const uri = setup.monaco.Uri.parse(`${setup.MODEL_ROOT}${serial}/${name}`);
  const model = setup.monaco.editor.createModel(content, 'yaml', uri);
  model.updateOptions({ tabSize: 2, insertSpaces: true });
  return model;
}
