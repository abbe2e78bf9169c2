import type { EnvState } from '../../../electron/common/api/env.ts';

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
