import { afterEach, describe, expect, it, vi } from 'vitest';
import { decideLink, guardLinks, terminalLinks } from './link-policy.ts';
import { renderGuide, renderMarkdown } from './markdown.ts';

// One policy for every way a link can be followed. Each case here once escaped it: an image-map area kept
// its href and navigated the app's tab, a middle-click opened a foreign link in a new tab, and an OSC 8
// hyperlink from a program in the terminal skipped the allow-list.

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
  document.body.replaceChildren();
});

function mountGuide(markdown: string) {
  const container = document.createElement('div');
  container.innerHTML = renderGuide(markdown).html;
  document.body.append(container);
  const open = vi.fn();
  const refused = vi.fn();
  cleanup = guardLinks(container, { open, refused });
  return { container, open, refused };
}

function press(element: Element, type: 'click' | 'auxclick', button = 0): MouseEvent {
  const event = new MouseEvent(type, { bubbles: true, cancelable: true, button });
  element.dispatchEvent(event);
  return event;
}

describe('link policy', () => {
  it('decides: in-page anchors scroll, allow-listed docs open, everything else is refused with a reason', () => {
    expect(decideLink('#pods')).toEqual({ kind: 'in-page' });
    expect(decideLink('https://kubernetes.io/docs/')).toEqual({ kind: 'external', url: 'https://kubernetes.io/docs/' });
    for (const href of ['https://evil.example/', 'http://kubernetes.io/', 'javascript:alert(1)', 'file:///etc/passwd', '/api', '//evil.example/', 'data:text/html,x', '']) {
      const decision = decideLink(href);
      expect(decision.kind, href).toBe('refused');
      expect(decision.kind === 'refused' && decision.reason.length).toBeGreaterThan(10);
    }
  });

  it('sanitizes <area href> like an anchor: dangerous schemes lose their href, web links are marked', () => {
    const html = renderMarkdown('<map name="m"><area shape="rect" coords="0,0,10,10" href="javascript:alert(1)"><area shape="rect" coords="0,0,10,10" href="https://evil.example/"></map>');
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const [bad, web] = [...doc.querySelectorAll('area')];
    expect(bad?.hasAttribute('href')).toBe(false);
    expect(web?.dataset.external).toBe('true');
  });

  it('takes over a click on an <area href> so the app tab never navigates away', () => {
    const { container, open, refused } = mountGuide('<map name="m"><area shape="rect" coords="0,0,10,10" href="https://evil.example/"></map>');
    const area = container.querySelector('area');
    expect(area).not.toBeNull();
    const event = press(area!, 'click');
    expect(event.defaultPrevented).toBe(true);
    expect(open).not.toHaveBeenCalled();
    expect(refused).toHaveBeenCalledWith(expect.stringContaining('evil.example'));
  });

  it('takes over middle-click: a foreign link does not open, an allow-listed one goes through the policy', () => {
    const { container, open } = mountGuide('[evil](https://evil.example/) and [docs](https://kubernetes.io/docs/)');
    const [evil, docs] = [...container.querySelectorAll('a')];
    expect(press(evil!, 'auxclick', 1).defaultPrevented).toBe(true);
    expect(open).not.toHaveBeenCalled();
    expect(press(docs!, 'auxclick', 1).defaultPrevented).toBe(true);
    expect(open).toHaveBeenCalledWith('https://kubernetes.io/docs/');
  });

  it('leaves in-page anchors to the browser on a primary click only', () => {
    const { container, open } = mountGuide('[below](#below)');
    const anchor = container.querySelector('a')!;
    expect(press(anchor, 'click').defaultPrevented).toBe(false);
    expect(press(anchor, 'auxclick', 1).defaultPrevented).toBe(true);
    expect(open).not.toHaveBeenCalled();
  });

  it('applies to terminal OSC 8 hyperlinks and plain URLs alike, with no other schemes', () => {
    const open = vi.fn();
    const { linkHandler, onWebLink } = terminalLinks({ open });
    expect(linkHandler.allowNonHttpProtocols).toBe(false);
    const range = { start: { x: 1, y: 1 }, end: { x: 5, y: 1 } };
    for (const uri of ['https://evil.example/', 'file:///etc/shadow', 'javascript:alert(1)', 'ssh://host']) {
      const event = new MouseEvent('click', { cancelable: true });
      linkHandler.activate(event, uri, range);
      expect(event.defaultPrevented, uri).toBe(true);
    }
    onWebLink(new MouseEvent('click', { cancelable: true }), 'https://evil.example/');
    expect(open).not.toHaveBeenCalled();
    linkHandler.activate(new MouseEvent('click', { cancelable: true }), 'https://kind.sigs.k8s.io/docs/design/initialization/', range);
    onWebLink(new MouseEvent('click', { cancelable: true }), 'https://kubernetes.io/docs/');
    expect(open.mock.calls).toEqual([['https://kind.sigs.k8s.io/docs/design/initialization/'], ['https://kubernetes.io/docs/']]);
  });
});

describe('lab NodePorts on this machine', () => {
  it("opens lab 1.9's loopback URL once the environment published the port, and no other loopback address", async () => {
    const { allowLoopbackPorts, resetLoopbackPorts } = await import('../../../electron/common/external-links.ts');
    expect(decideLink('http://localhost:30080/').kind).toBe('refused');
    allowLoopbackPorts({ requested: [30080], published: [30080] });
    expect(decideLink('http://localhost:30080/')).toEqual({ kind: 'external', url: 'http://localhost:30080/' });
    expect(decideLink('http://localhost:6443/').kind).toBe('refused');
    resetLoopbackPorts();
  });
});
