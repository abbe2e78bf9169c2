import { describe, expect, it } from 'vitest';
import { isManifest, renderGuide, renderMarkdown, runnableCommand, withoutRepeatedTitle } from './markdown.ts';

describe('guide Markdown', () => {
  it("drops a leading heading that only repeats the step's title, and keeps one that says more", () => {
    expect(withoutRepeatedTitle('## Delete the pod\n\nPods you create by hand…', 'Delete the pod').trim()).toBe('Pods you create by hand…');
    expect(withoutRepeatedTitle('\n# Delete the `pod`\ntext', 'Delete the pod').trim()).toBe('text');
    const different = '## The same thing, written down\n\nThe manifest…';
    expect(withoutRepeatedTitle(different, 'Create a pod from YAML')).toBe(different);
    expect(withoutRepeatedTitle('Text first\n\n## Delete the pod', 'Delete the pod')).toBe('Text first\n\n## Delete the pod');
  });

  it('places lab headings below the step title (h2) in the page outline', () => {
    const { html } = renderGuide('# YAML files and pods\n\n## Keys\n\ntext');
    expect(html).toContain('<h3>YAML files and pods</h3>');
    expect(html).toContain('<h4>Keys</h4>');
    expect(html).not.toMatch(/<h[12]>/);
  });

  it('drops scripts, event handlers and frames', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script><img src="x.png" onerror="alert(2)"><iframe src="https://evil.example"></iframe>');
    expect(html).toContain('Hello');
    expect(html).not.toMatch(/<script|onerror|<iframe|alert/);
  });

  it('never loads a remote image, but keeps its alt text', () => {
    const html = renderMarkdown('![cluster diagram](https://example.com/diagram.png) and ![x](//cdn.example/x.gif)');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('example.com');
    expect(html).toContain('[image: cluster diagram]');
  });

  it('keeps embedded data images', () => {
    const html = renderMarkdown('![dot](data:image/png;base64,iVBORw0KGgo=)');
    expect(html).toContain('<img');
  });

  it('opens web links in a new context without an opener, and disarms javascript: links', () => {
    const html = renderMarkdown('[docs](https://kubernetes.io/docs/) and [bad](javascript:alert(1))');
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const [docs, bad] = [...doc.querySelectorAll('a')];
    expect(docs?.getAttribute('rel')).toBe('noopener noreferrer');
    expect(docs?.getAttribute('target')).toBe('_blank');
    expect(docs?.dataset.external).toBe('true');
    expect(bad?.hasAttribute('href')).toBe(false);
  });

  it('drops inline styles that could fetch remote content', () => {
    const html = renderMarkdown('<p style="background:url(https://evil.example/t.png)">x</p>');
    expect(html).not.toContain('evil.example');
  });

  it('leaves a slot for every code block, also inside lists, that author HTML cannot forge', () => {
    const guide = renderGuide('1. Run this:\n\n   ```bash\n   $ kubectl get nodes\n   ```\n\n2. Apply:\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx\n```\n\n<div class="labdeck-slot-x">forged</div>');
    expect(guide.blocks).toEqual([
      { language: 'bash', code: '$ kubectl get nodes' },
      { language: 'yaml', code: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx' },
    ]);
    const doc = new DOMParser().parseFromString(guide.html, 'text/html');
    expect(doc.getElementsByClassName(guide.slotClass)).toHaveLength(2);
    expect(doc.querySelector('li')?.getElementsByClassName(guide.slotClass)).toHaveLength(1);
    const yaml = guide.blocks[1];
    expect(yaml && isManifest(yaml.language, yaml.code)).toBe(true);
  });

  it('turns shell blocks into commands without their prompts', () => {
    expect(runnableCommand('bash', '$ kubectl get pods -o wide\n$ kubectl get svc')).toBe('kubectl get pods -o wide\nkubectl get svc');
    expect(runnableCommand('yaml', 'kind: Pod')).toBeNull();
  });
});
