import path from 'node:path';
import { z } from 'zod';
import { LabdeckError } from '../../common/errors.ts';

/**
 * A course's `id` and `version` become folder and file names (<data dir>/courses/<id>-<version>-<hash>,
 * evidence/<id>.jsonl, reports/<id>-<version>-….json): lower-case letters, digits, dots, dashes and underscores,
 * starting with a letter or digit, at most 64 characters, never `..`. Checked by the schemas of course.yaml and
 * of a pack manifest (so on every read, not only at lint time) and again where a name is turned into a path.
 */
export const SAFE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function isSafeName(value: string): boolean {
  return SAFE_NAME.test(value) && !value.includes('..');
}

export const SAFE_NAME_MESSAGE = 'lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters, no ".."';

export const SafeNameSchema = z.string().refine(isSafeName, { message: `must be a safe name: ${SAFE_NAME_MESSAGE}` });

/**
 * `path.join(parent, name)`, refused unless the result stays strictly inside `parent`: checked before anything
 * (a write, a rename, an `rm -rf <target>.partial`) touches the target.
 */
export function pathInside(parent: string, ...names: string[]): string {
  const root = path.resolve(parent);
  const target = path.resolve(root, ...names);
  const relative = path.relative(root, target);
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new LabdeckError('invalid-request', `Refusing to write ${JSON.stringify(names.join('/'))}: it is not a name inside ${root}.`, {
      action: `Course ids and versions must be safe names (${SAFE_NAME_MESSAGE}); fix course.yaml, or get the pack again from the instructor.`,
    });
  }
  return target;
}

/** Throws unless `value` is a safe name (for values that did not come through a schema). */
export function requireSafeName(what: string, value: string): string {
  if (!isSafeName(value)) {
    throw new LabdeckError('invalid-request', `The ${what} ${JSON.stringify(value.slice(0, 100))} cannot be used as a file name: it must be ${SAFE_NAME_MESSAGE}.`, {
      action: 'Fix course.yaml (labdeck lint says where), or get the pack again from the instructor.',
    });
  }
  return value;
}
