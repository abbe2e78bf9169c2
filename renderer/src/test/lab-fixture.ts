import type { LabView } from '../../../electron/common/api/labs.ts';

export function sampleLab(): LabView {
  return {
    id: '1.2',
    slug: 'pods-from-yaml',
    title: 'Pods from YAML',
    summary: 'Write a Pod manifest and apply it.',
    objectives: ['Apply a manifest'],
    durationMinutes: 15,
    requires: ['1.1'],
    introduction: 'Pods are the smallest unit.',
    steps: [
      {
        id: 'create-pod',
        title: 'Create the nginx pod',
        instructions: 'Apply the manifest:\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-yaml\nspec:\n  containers:\n    - name: nginx\n      image: nginx\n```\n\nThen look:\n\n```bash\nkubectl get pods -o wide\n```\n',
        snippets: [],
        hints: [{ text: 'Use **kubectl apply -f**.' }, { text: 'The file is nginx-pod.yaml.' }],
        solution: '```bash\nkubectl apply -f nginx-pod.yaml\n```',
        checks: [
          { id: 'pod-exists', title: 'Pod nginx-yaml exists', kind: 'resource', mode: 'holds' },
          { id: 'pod-image', title: 'Pod runs nginx', kind: 'resource', mode: 'holds' },
        ],
        focus: [{ kind: 'Pod', namespace: 'default', name: 'nginx-yaml' }],
      },
      {
        id: 'delete-pod',
        title: 'Delete it again',
        instructions: 'Delete the pod.',
        snippets: [{ id: 'del', kind: 'command', language: 'bash', content: 'kubectl delete pod nginx-yaml' }],
        hints: [],
        solution: 'kubectl delete pod nginx-yaml',
        checks: [{ id: 'pod-gone', title: 'Pod is gone', kind: 'resource', mode: 'holds' }],
        focus: [],
      },
    ],
  };
}
