import type { TerminalTarget } from '../../../../electron/common/api/terminal.ts';
import type { TabState } from './terminal-tab.ts';

/** One tab of the terminal panel: the machine its shell runs on. */
export interface TabInfo {
  key: string;
  label: string;
  target: TerminalTarget;
}

/** What the panel knows of a tab's shell: its state and, when it failed or ended, why. */
export interface TabStatus {
  state: TabState;
  message?: string;
}

export function keyOf(target: TerminalTarget): string {
  return target.kind === 'node' ? `node:${target.node}` : target.kind;
}

/** The jumphost first, then one tab per node, then the shell on this computer. */
export function tabsFor(nodes: readonly string[]): TabInfo[] {
  return [
    { key: 'jumphost', label: 'jumphost', target: { kind: 'jumphost' } },
    ...nodes.map((node): TabInfo => ({ key: `node:${node}`, label: node, target: { kind: 'node', node } })),
    { key: 'host', label: 'host shell', target: { kind: 'host' } },
  ];
}

/** An element id for the tab key (`node:worker1` -> `node-worker1`). */
export function idOf(key: string): string {
  return key.replace(':', '-');
}

/**
 * Whether the container behind a tab is known to be down (the host shell never is): its container is
 * reported stopped, or nothing is known of it and the environment is not running.
 */
export function targetDown(info: TabInfo, targetsUp: Record<string, boolean>, environmentRunning: boolean | undefined): boolean {
  if (info.target.kind === 'host') return false;
  const name = info.target.kind === 'node' ? info.target.node : 'jumphost';
  return targetsUp[name] === false || (targetsUp[name] === undefined && environmentRunning === false);
}

/** The words for a tab's coloured dot, so its state is not told by colour alone. */
export function tabStatusText(down: boolean, state: TabState | undefined): string {
  if (down) return 'not running';
  if (state === 'failed') return 'could not open';
  if (state === 'exited') return 'shell ended';
  if (state === 'starting') return 'opening';
  if (state === 'running') return 'open';
  return '';
}
