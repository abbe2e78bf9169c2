import path from 'node:path';
import type { CallHandlers } from '../../common/api/contract.ts';
import type { LabSummary, LabView, Snippet, StepView } from '../../common/api/labs.ts';
import type { LabCatalog, LoadedLab, LoadedStep } from './lab-catalog.ts';

type CatalogCalls = 'labs.list' | 'labs.get';

export function toLabSummary(lab: LoadedLab): LabSummary {
  const { file } = lab;
  return {
    id: file.id,
    slug: file.slug,
    title: file.title,
    summary: file.summary,
    objectives: file.objectives,
    durationMinutes: file.durationMinutes,
    requires: file.requires,
    steps: file.steps.map((step) => ({ id: step.id, title: step.title })),
  };
}

function toSnippets(step: LoadedStep): Snippet[] {
  return step.spec.snippets.map((snippet): Snippet => {
    const title = snippet.title === undefined ? {} : { title: snippet.title };
    if (snippet.kind === 'command') {
      return { id: snippet.id, kind: 'command', ...title, language: 'bash', content: snippet.command, ...(snippet.in === undefined ? {} : 'node' in snippet.in ? { node: snippet.in.node } : { host: true as const }) };
    }
    return {
      id: snippet.id,
      kind: 'manifest',
      ...title,
      language: 'yaml',
      content: step.manifests.get(snippet.file) ?? '',
      fileName: path.posix.basename(snippet.file),
    };
  });
}

export function toStepView(step: LoadedStep): StepView {
  const { spec } = step;
  return {
    id: spec.id,
    title: spec.title,
    instructions: step.instructions,
    snippets: toSnippets(step),
    hints: spec.hints.map((hint) => (hint.forCheck === undefined ? { text: hint.text } : { text: hint.text, forCheck: hint.forCheck })),
    solution: step.solution,
    checks: spec.checks.map((check) => ({ id: check.id, title: check.title, kind: check.kind, mode: check.mode })),
    focus: spec.focus.map((ref) => (ref.namespace === undefined ? { kind: ref.kind, name: ref.name } : { kind: ref.kind, namespace: ref.namespace, name: ref.name })),
  };
}

export function toLabView(lab: LoadedLab): LabView {
  return { ...toLabSummary(lab), introduction: lab.introduction, steps: lab.steps.map(toStepView) };
}

/** labs.list and labs.get: the course content as the renderer shows it (Markdown and manifests inlined). */
export function createCatalogHandlers(catalog: LabCatalog): Pick<CallHandlers, CatalogCalls> {
  return {
    'labs.list': async () => catalog.labs().map(toLabSummary),
    'labs.get': async ({ labId }) => toLabView(catalog.requireLab(labId)),
  };
}
