import { describe, expect, it } from 'vitest';
import { nextPane, wrapTabTarget } from './pane-focus.ts';

describe('nextPane', () => {
  const panes = ['top', 'side', 'guide', 'workspace'].map((id) => {
    const pane = document.createElement('div');
    pane.id = id;
    pane.append(document.createElement('button'));
    return pane;
  });

  it('cycles forward and back from the pane holding focus', () => {
    expect(nextPane(panes, panes[1]!.firstElementChild, 1)?.id).toBe('guide');
    expect(nextPane(panes, panes[3]!.firstElementChild, 1)?.id).toBe('top');
    expect(nextPane(panes, panes[0]!.firstElementChild, -1)?.id).toBe('workspace');
  });

  it('starts at the first (or last) pane when focus is outside all of them', () => {
    expect(nextPane(panes, document.body, 1)?.id).toBe('top');
    expect(nextPane(panes, null, -1)?.id).toBe('workspace');
    expect(nextPane([], null, 1)).toBeNull();
  });
});

describe('wrapTabTarget', () => {
  function page() {
    const root = document.createElement('div');
    root.innerHTML =
      '<button id="first">a</button><div hidden><button id="hidden">h</button></div><button id="middle">b</button><textarea id="terminal"></textarea><input type="file" tabindex="-1" id="picker">';
    // jsdom lays nothing out; every control here counts as on screen.
    for (const element of root.querySelectorAll('button, textarea, input')) element.getClientRects = () => [{}] as unknown as DOMRectList;
    return root;
  }
  const byId = (root: HTMLElement, id: string) => root.querySelector(`#${id}`);

  it('moves Tab from the last control (the terminal; a hidden file input is no control) to the first, not to the page body', () => {
    const root = page();
    expect(wrapTabTarget(root, byId(root, 'terminal'), 1)?.id).toBe('first');
    expect(wrapTabTarget(root, byId(root, 'first'), -1)?.id).toBe('terminal');
  });

  it("leaves every other move to the browser", () => {
    const root = page();
    expect(wrapTabTarget(root, byId(root, 'middle'), 1)).toBeNull();
    expect(wrapTabTarget(root, byId(root, 'terminal'), -1)).toBeNull();
    expect(wrapTabTarget(root, document.body, 1)).toBeNull();
  });
});
