/**
 * Labdeck marks every Docker object it creates and only ever lists, stops or removes objects carrying
 * these labels; anything else on the engine belongs to someone else.
 */
export const LABEL_MANAGED = 'dev.labdeck.managed';
export const LABEL_ENV = 'dev.labdeck.env';
export const LABEL_ROLE = 'dev.labdeck.role';
export const LABEL_NODE = 'dev.labdeck.node';
/** Shape of the containers (plan.ts PLAN_VERSION), for telling old environments apart after an upgrade. */
export const LABEL_PLAN_VERSION = 'dev.labdeck.plan-version';

/** How the node containers run (privilege.ts), so resume and the doctor can say which set they got. */
export const LABEL_PRIVILEGE = 'dev.labdeck.privilege';

/** server: the control-plane node (kubeadm init); agent: a worker (kubeadm join). */
export type LabRole = 'server' | 'agent' | 'jumphost' | 'verifier' | 'registry' | 'probe';

export function labLabels(envName: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL_MANAGED]: 'true', [LABEL_ENV]: envName, ...extra };
}

/** A Docker `filters` value selecting one environment's objects (and optionally one role). */
export function labFilters(envName: string, role?: LabRole): { label: string[] } {
  const label = [`${LABEL_MANAGED}=true`, `${LABEL_ENV}=${envName}`];
  if (role) label.push(`${LABEL_ROLE}=${role}`);
  return { label };
}

/** True only when labels mark the object as Labdeck's, for this environment. */
export function isLabdeckObject(labels: Record<string, string> | null | undefined, envName: string): boolean {
  return labels?.[LABEL_MANAGED] === 'true' && labels[LABEL_ENV] === envName;
}
