import path from 'node:path';
import type { LoadedLab } from './lab-folder.ts';
import type { LabProblem, YamlSource } from './yaml-source.ts';

/**
 * Every manifest snippet of the course is copied into the attendee's home on the jumphost under its file name
 * (env/jumphost-home.ts), where the lab texts say `kubectl apply -f <name>`. Two labs shipping different files
 * under one name would make that command apply the wrong one in one of them, so lint refuses it; the same
 * file in two labs (nginx-deployment.yaml in 1.3 and 1.8) is fine.
 */
export function lintHomeFileNames(labs: readonly { lab: LoadedLab; source: YamlSource }[]): LabProblem[] {
  const problems: LabProblem[] = [];
  const first = new Map<string, { content: string; where: string }>();
  for (const { lab, source } of labs) {
    for (const [stepIndex, step] of lab.steps.entries()) {
      for (const [snippetIndex, snippet] of step.spec.snippets.entries()) {
        if (snippet.kind !== 'manifest') continue;
        const name = path.posix.basename(snippet.file);
        const content = step.manifests.get(snippet.file) ?? '';
        const seen = first.get(name);
        if (!seen) {
          first.set(name, { content, where: `lab ${lab.file.id} (${snippet.file})` });
        } else if (seen.content !== content) {
          problems.push(
            source.problemAt(
              ['steps', stepIndex, 'snippets', snippetIndex, 'file'],
              `manifest ${snippet.file} differs from ${name} of ${seen.where}, but both land in /home/ubuntu/${name} on the jumphost; give one of them another file name`,
            ),
          );
        }
      }
    }
  }
  return problems;
}
