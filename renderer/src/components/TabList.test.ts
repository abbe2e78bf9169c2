import { fireEvent, render, screen } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import TabList from './TabList.svelte';

type Item = { key: 'terminal' | 'editor' | 'map'; label: string };
const tabs: Item[] = [
  { key: 'terminal', label: 'Terminal' },
  { key: 'editor', label: 'Editor' },
  { key: 'map', label: 'Network map' },
];
// render() types the props with TabList's generic constraints, so the snippet takes what they allow.
const tabLabel = createRawSnippet((item: () => { key: string }) => ({ render: () => `<span>${tabs.find((tab) => tab.key === item().key)?.label}</span>` }));

function renderTabs(selected: Item['key']) {
  const onSelect = vi.fn();
  render(TabList, {
    tabs,
    selected,
    label: 'Views',
    variant: 'views',
    tabId: (key: string) => `tab-${key}`,
    panelId: (key: string) => `panel-${key}`,
    onSelect,
    tabLabel,
  });
  return onSelect;
}

describe('TabList', () => {
  it('is one tab stop, the selected tab, each tab naming the panel it shows', () => {
    renderTabs('editor');
    const all = screen.getAllByRole('tab');
    expect(all.map((tab) => tab.tabIndex)).toEqual([-1, 0, -1]);
    expect(screen.getByRole('tab', { selected: true }).textContent).toBe('Editor');
    expect(all[2]!.getAttribute('aria-controls')).toBe('panel-map');
  });

  it('moves with the arrow keys, Home and End, keeping focus on the tabs; a click selects for the panel', async () => {
    const onSelect = renderTabs('map');
    const list = screen.getByRole('tablist', { name: 'Views' });
    await fireEvent.keyDown(list, { key: 'ArrowRight' });
    expect(onSelect).toHaveBeenLastCalledWith('terminal', false);
    expect(document.activeElement?.id).toBe('tab-terminal');
    await fireEvent.keyDown(list, { key: 'Home' });
    expect(onSelect).toHaveBeenLastCalledWith('terminal', false);
    await fireEvent.keyDown(list, { key: 'ArrowLeft' });
    expect(onSelect).toHaveBeenLastCalledWith('editor', false);
    await fireEvent.keyDown(list, { key: 'a' });
    expect(onSelect).toHaveBeenCalledTimes(3);
    await fireEvent.click(screen.getByRole('tab', { name: 'Editor' }));
    expect(onSelect).toHaveBeenLastCalledWith('editor', true);
  });
});
