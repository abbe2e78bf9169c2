import { describe, expect, it } from 'vitest';
import { courseHomeFiles, keptMessage, planHomeFiles, sha256, type PresentFile } from './jumphost-home.ts';

const pod = { name: 'nginx-pod.yaml', content: 'kind: Pod\n' };
const service = { name: 'nginx-service.yaml', content: 'kind: Service\n' };

describe('planHomeFiles', () => {
  it('writes a manifest the home directory lacks', () => {
    expect(planHomeFiles([pod], new Map(), {})).toEqual({ write: [pod], unchanged: [], kept: [] });
  });

  it('leaves the lab copy alone when it is already there', () => {
    const present = new Map<string, PresentFile>([[pod.name, { kind: 'file', content: pod.content }]]);
    expect(planHomeFiles([pod], present, {})).toEqual({ write: [], unchanged: [pod.name], kept: [] });
  });

  it('keeps a file the attendee edited, even when Labdeck wrote the original', () => {
    const present = new Map<string, PresentFile>([[pod.name, { kind: 'file', content: 'kind: Pod\n# mine\n' }]]);
    expect(planHomeFiles([pod], present, { [pod.name]: sha256('kind: Pod\n') }).kept).toEqual([pod.name]);
    expect(planHomeFiles([pod], present, {}).kept).toEqual([pod.name]);
  });

  it('updates an untouched copy of an older course version', () => {
    const present = new Map<string, PresentFile>([[pod.name, { kind: 'file', content: 'kind: Pod # v1\n' }]]);
    expect(planHomeFiles([pod], present, { [pod.name]: sha256('kind: Pod # v1\n') })).toEqual({ write: [pod], unchanged: [], kept: [] });
  });

  it('never replaces a folder or a link of the attendee under that name', () => {
    const present = new Map<string, PresentFile>([[pod.name, { kind: 'other' }]]);
    expect(planHomeFiles([pod, service], present, { [pod.name]: sha256(pod.content) })).toEqual({ write: [service], unchanged: [], kept: [pod.name] });
  });
});

describe('courseHomeFiles', () => {
  it('takes every manifest snippet of the course once, by file name, in course order', () => {
    const labs = [
      { steps: [{ manifests: new Map([['manifests/nginx-pod.yaml', pod.content]]) }] },
      { steps: [{ manifests: new Map([['manifests/nginx-service.yaml', service.content]]) }, { manifests: new Map([['manifests/nginx-pod.yaml', 'other\n']]) }] },
    ];
    expect(courseHomeFiles(labs)).toEqual([pod, service]);
  });
});

describe('keptMessage', () => {
  it('names the file in the home directory and how to get the lab copy back', () => {
    expect(keptMessage('nginx-pod.yaml')).toMatch(/\/home\/ubuntu\/nginx-pod\.yaml.*differs from the lab's copy.*rename or delete it/);
  });
});
