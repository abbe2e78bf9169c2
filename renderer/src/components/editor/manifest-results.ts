import type { ManifestOutcome, ManifestProblem } from '../../../../electron/common/api/cluster.ts';

/** Monaco's marker shape, kept structural so this module does not load Monaco (and is testable in jsdom). */
export interface MarkerData {
  severity: number;
  message: string;
  source: string;
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
}

const SOURCE_LABEL: Record<ManifestProblem['source'], string> = {
  yaml: 'YAML',
  schema: 'Kubernetes schema',
  'api-server': 'API server',
};

/**
 * Problems -> editor markers. A problem without an end is underlined to the end of its line, so even a
 * one-column location is visible.
 */
export function problemsToMarkers(problems: ManifestProblem[], lineLength: (line: number) => number, errorSeverity: number): MarkerData[] {
  return problems.map((problem) => {
    const endLineNumber = problem.endLine ?? problem.line;
    const sameSpot = problem.endColumn === undefined || (endLineNumber === problem.line && problem.endColumn <= problem.column);
    return {
      severity: errorSeverity,
      message: problem.message,
      source: SOURCE_LABEL[problem.source],
      startLineNumber: problem.line,
      startColumn: problem.column,
      endLineNumber,
      endColumn: sameSpot ? Math.max(lineLength(endLineNumber) + 1, problem.column + 1) : (problem.endColumn ?? problem.column + 1),
    };
  });
}

/** The editor's four actions on the manifest it holds. */
export type EditorAction = 'apply' | 'delete' | 'diff' | 'validate';

export interface ResultSummary {
  kind: 'success' | 'problems' | 'info';
  headline: string;
  lines: string[];
}

/** `pod/nginx created`, the way kubectl reports each object, plus a headline. */
export function summarizeOutcome(verb: 'Apply' | 'Delete', outcome: ManifestOutcome): ResultSummary {
  const lines = outcome.objects.map((object) => {
    const where = object.namespace ? ` (namespace ${object.namespace})` : '';
    return `${object.kind.toLowerCase()}/${object.name} ${object.action === 'not-found' ? 'not found' : object.action}${where}`;
  });
  if (outcome.ok) return { kind: 'success', headline: `${verb} succeeded`, lines };
  const count = outcome.problems.length;
  const sent = outcome.objects.length > 0 || outcome.problems.some((problem) => problem.source === 'api-server');
  return {
    kind: 'problems',
    headline: sent
      ? `${verb}: the API server refused ${count === 1 ? 'a change' : `${count} changes`}; see the list below`
      : notSentHeadline(count),
    // The problems themselves are listed once, under the editor, each linking to its line.
    lines,
  };
}

function notSentHeadline(count: number): string {
  return `Not sent: ${count === 1 ? '1 problem' : `${count} problems`} in the manifest; see the list below`;
}

/** The manifest was not sent: its problems are listed once, below the editor, so the headline only counts them. */
export function notSentSummary(count: number): ResultSummary {
  return { kind: 'problems', headline: notSentHeadline(count), lines: [] };
}

/** A call that failed outright: its message, and what to do next when the error carries it. */
export function failureSummary(error: unknown): ResultSummary {
  const message = error instanceof Error ? error.message : String(error);
  const action = (error as { action?: string } | null)?.action;
  return { kind: 'problems', headline: message, lines: action ? [action] : [] };
}

/** Joins per-document YAML into one text for the diff editor, each document headed by its name. */
export function joinDocuments(documents: { kind: string; name: string; namespace?: string; text: string | null }[]): string {
  return documents
    .map((document) => {
      const header = `# ${document.kind.toLowerCase()}/${document.name}${document.namespace ? ` in ${document.namespace}` : ''}`;
      return `${header}\n${document.text ?? '# (does not exist yet)\n'}`;
    })
    .join('---\n');
}
