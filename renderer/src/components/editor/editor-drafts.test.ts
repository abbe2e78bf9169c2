import { describe, expect, it } from 'vitest';
import { EditorDrafts } from './editor-drafts.ts';

function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value), removeItem: (key: string) => void items.delete(key) };
}

describe('EditorDrafts', () => {
  it('keeps the last edited file per course and lab', () => {
    const drafts = new EditorDrafts(memoryStorage());
    const lab2 = { courseId: 'k8s', labId: '1.2' };
    expect(drafts.last(lab2)).toBeNull();
    drafts.save(lab2, { fileName: 'nginx-pod.yaml', content: 'kind: Pod\n' });
    drafts.save({ courseId: 'k8s', labId: '1.3' }, { fileName: 'deploy.yaml', content: 'kind: Deployment\n' });
    expect(drafts.last(lab2)).toEqual({ fileName: 'nginx-pod.yaml', content: 'kind: Pod\n' });
    expect(drafts.last({ courseId: 'other', labId: '1.2' })).toBeNull();
  });

  it('survives a storage that refuses', () => {
    const refusing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); }, removeItem: () => undefined };
    const drafts = new EditorDrafts(refusing);
    expect(() => drafts.save({ courseId: 'c', labId: 'l' }, { fileName: 'a.yaml', content: 'x' })).not.toThrow();
    expect(drafts.last({ courseId: 'c', labId: 'l' })).toBeNull();
  });
});
