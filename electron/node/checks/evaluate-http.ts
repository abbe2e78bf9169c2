import type { HttpCheck } from '../course-format/check-spec.ts';
import { WorldNotReadyError, type CheckWorld } from './check-world.ts';
import { labRegexError, labRegexTest } from './lab-regex.ts';
import { clip, errorMessage, type Verdict } from './verdict.ts';

/** An http check: GET from the host to the port published for a NodePort, judge status and body. */
export async function evaluateHttp(check: HttpCheck, world: CheckWorld): Promise<Verdict> {
  const patternProblem = check.bodyMatches === undefined ? undefined : labRegexError(check.bodyMatches);
  if (patternProblem) return { status: 'error', message: `The check "${check.title}" has an invalid bodyMatches pattern: ${patternProblem}` };
  // "nodePort 30080", not "nodePort 30080/": the path is named only when it is not the root.
  const target = check.path === '/' ? `nodePort ${check.nodePort}` : `nodePort ${check.nodePort} (path ${check.path})`;
  let response;
  try {
    response = await world.httpGet(check.nodePort, check.path, 5000);
  } catch (error) {
    if (error instanceof WorldNotReadyError) return { status: 'waiting', message: error.message };
    return { status: 'failed', message: `Nothing answered on ${target} from this computer: ${errorMessage(error)}` };
  }
  if (response === null) return { status: 'skipped', message: `HTTP checks need the running lab environment; ${target} was not requested` };
  const evidence = { nodePort: check.nodePort, path: check.path, status: response.status, body: clip(response.body, 2000) };
  const failures: string[] = [];
  if (response.status !== check.expectStatus) failures.push(`GET ${target} answered ${response.status}, expected ${check.expectStatus}`);
  if (check.bodyMatches !== undefined && !labRegexTest(check.bodyMatches, response.body)) failures.push(`the page from ${target} does not match /${check.bodyMatches}/`);
  if (failures.length > 0) return { status: 'failed', message: failures.join('; '), evidence };
  return { status: 'passed', message: check.title, evidence };
}
