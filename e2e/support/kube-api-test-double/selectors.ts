import { labelSelectorMatcher } from '../../../electron/node/checks/label-selector.ts';
import { HttpError } from './http-io.ts';
import { fieldAt } from './object-content.ts';
import type { Store } from './object-store.ts';
import type { ResourceType, TestObject } from './resource-types.ts';

/** The API server's labelSelector parameter; an unparsable selector is a 400 as on a real API server. */
function parseLabelSelector(selector: string): (labels: Record<string, string>) => boolean {
  try {
    return labelSelectorMatcher(selector);
  } catch (error) {
    throw new HttpError(400, 'BadRequest', `unable to parse requirement: ${(error as Error).message}`);
  }
}

function parseFieldSelector(selector: string): (object: TestObject) => boolean {
  const checks = selector
    .split(',')
    .filter((part) => part.trim())
    .map((part) => {
      const match = part.trim().match(/^([^!=]+)(!=|==|=)(.*)$/);
      if (!match) throw new HttpError(400, 'BadRequest', `invalid field selector: ${part}`);
      const [, field = '', operator, value = ''] = match;
      const read = (object: TestObject): string => {
        const found = fieldAt(object, ...field.split('.'));
        return found === undefined || found === null ? '' : String(found);
      };
      return operator === '!=' ? (object: TestObject) => read(object) !== value : (object: TestObject) => read(object) === value;
    });
  return (object) => checks.every((check) => check(object));
}

/** The objects a request's labelSelector and fieldSelector parameters keep. */
export function selectorMatcher(query: URLSearchParams): (object: TestObject) => boolean {
  const labels = query.get('labelSelector') ? parseLabelSelector(query.get('labelSelector') ?? '') : () => true;
  const fields = query.get('fieldSelector') ? parseFieldSelector(query.get('fieldSelector') ?? '') : () => true;
  return (object) => labels(object.metadata.labels ?? {}) && fields(object);
}

/** The objects of a list request: its type and namespace, kept by its selectors, in namespace/name order. */
export function selectObjects(store: Store, type: ResourceType, namespace: string | undefined, query: URLSearchParams): TestObject[] {
  const matches = selectorMatcher(query);
  return store
    .list(type, namespace)
    .filter(matches)
    .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
}
