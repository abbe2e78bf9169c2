import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { controlPlaneAdmin, type RunningControlPlane } from './control-plane.ts';

export interface SharedControlPlane extends Pick<RunningControlPlane, 'restart' | 'compact'> {
  server: string;
  kubeconfigPath: string;
  version: string;
  kubeConfig(): KubeConfig;
}

/** Why the shared control plane is missing in this run (tests skip with it), or undefined. */
export function controlPlaneSkipReason(): string | undefined {
  const provided = inject('controlPlane');
  return 'unavailable' in provided ? provided.unavailable : undefined;
}

/** The run's control plane, started once by vitest-global-setup.ts. */
export function sharedControlPlane(): SharedControlPlane {
  const provided = inject('controlPlane');
  if ('unavailable' in provided) throw new Error(`No control plane in this run: ${provided.unavailable}`);
  return {
    server: provided.server,
    kubeconfigPath: provided.kubeconfigPath,
    version: provided.version,
    ...controlPlaneAdmin(provided.admin),
    kubeConfig() {
      const config = new KubeConfig();
      config.loadFromFile(provided.kubeconfigPath);
      return config;
    },
  };
}

/** A test title that says, in the report itself, why it was skipped. */
export function titled(title: string): string {
  const reason = controlPlaneSkipReason();
  return reason ? `${title} (skipped: ${reason})` : title;
}
