import type { ManifestProblem } from '../../../../electron/common/api/cluster.ts';
import { problemsToMarkers } from './manifest-results.ts';
import type { MonacoModule, TextModel } from './monaco-editors.ts';

/** The owner of Labdeck's own markers, so they never mix with another marker source's. */
const MARKER_OWNER = 'labdeck';

/**
 * Underlines each problem in the model's text (markers only; the editor lists them separately). A problem
 * past the end (the text changed since it was found) is drawn on the last line instead of being lost.
 */
export function markProblems(setup: MonacoModule, model: TextModel, found: ManifestProblem[]): void {
  const lineCount = model.getLineCount();
  const clamped = found.map((problem) => ({
    ...problem,
    line: Math.min(problem.line, lineCount),
    ...(problem.endLine ? { endLine: Math.min(problem.endLine, lineCount) } : {}),
  }));
  const markers = problemsToMarkers(clamped, (line) => model.getLineMaxColumn(line) - 1, setup.monaco.MarkerSeverity.Error);
  setup.monaco.editor.setModelMarkers(model, MARKER_OWNER, markers);
}

export function clearProblemMarkers(setup: MonacoModule, model: TextModel): void {
  setup.monaco.editor.setModelMarkers(model, MARKER_OWNER, []);
}
