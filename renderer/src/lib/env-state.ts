import type { EnvState, EnvStatus } from '../../../electron/common/api/env.ts';

/** How each environment state reads to a person: a symbol, a word and what it means for them. */
export const envStateText: Record<EnvState, { icon: string; text: string; detail: string }> = {
  absent: { icon: '○', text: 'Not created', detail: 'No lab cluster exists yet. Start creates one on this machine.' },
  creating: { icon: '◌', text: 'Starting', detail: 'The cluster is being created.' },
  running: { icon: '●', text: 'Running', detail: 'The cluster is up; checks run against it.' },
  stopped: { icon: '■', text: 'Stopped', detail: 'The containers exist but are stopped. Resume brings them back.' },
  degraded: { icon: '◐', text: 'Degraded', detail: 'Some nodes are not ready.' },
  deleting: { icon: '◌', text: 'Removing', detail: 'The cluster is being removed.' },
  error: { icon: '!', text: 'Error', detail: 'The environment is in a state Labdeck cannot use.' },
};

/**
 * Whether each terminal target's container runs, by name, for every machine of the topology (so a node
 * that does not exist yet reads as down, not unknown). Empty while the status is not known.
 */
export function targetsRunning(status: EnvStatus | null | undefined): Record<string, boolean> {
  if (!status) return {};
  // The terminal knows the jumphost by its role, whatever the environment's settings call it.
  const key = (node: { name: string; role: string }) => (node.role === 'jumphost' ? 'jumphost' : node.name);
  const running = new Set(status.nodes.filter((node) => node.containerState === 'running').map(key));
  const names = new Set([...(status.topology ?? []).map(key), ...status.nodes.map(key)]);
  return Object.fromEntries([...names].map((name) => [name, running.has(name)]));
}
