import { describe, expect, it } from 'vitest';
import { nextPane } from './pane-focus.ts';

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
