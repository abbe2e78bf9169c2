import type { CallHandlers } from '../../common/api/contract.ts';
import type { EnvironmentService } from './environment-service.ts';

type EnvCalls = 'env.status' | 'env.up' | 'env.resume' | 'env.reset' | 'env.down' | 'env.cancel' | 'env.doctor' | 'env.kubeconfig';

/** The env.* calls of the API contract, backed by the environment service. */
export function createEnvHandlers(env: EnvironmentService): Pick<CallHandlers, EnvCalls> {
  return {
    'env.status': () => {
      // A window that shows the environment is kept current from here on, also when Docker goes away.
      env.watchEngine();
      return env.status();
    },
    'env.up': () => env.up(),
    'env.resume': () => env.resume(),
    'env.reset': () => env.reset(),
    'env.down': () => env.down(),
    'env.cancel': async () => ({ cancelled: env.cancel() }),
    'env.doctor': () => env.doctor(),
    'env.kubeconfig': (input) => env.writeKubeconfig(input.merge),
  };
}
