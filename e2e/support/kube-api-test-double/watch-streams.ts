import type { ServerResponse } from 'node:http';
import { statusBody } from './http-io.ts';
import type { Store, WatchEvent } from './object-store.ts';
import type { ResourcePath } from './resource-path.ts';
import { isOfType, type TestObject } from './resource-types.ts';
import { selectObjects, selectorMatcher } from './selectors.ts';

/**
 * Watch requests: newline-delimited JSON events over a chunked response, from the current state or resumed
 * from a resourceVersion (410 Gone once the store's history no longer reaches back).
 */
export class WatchStreams {
  readonly #open = new Set<ServerResponse>();

  constructor(private readonly store: Store) {}

  open(target: ResourcePath, query: URLSearchParams, response: ServerResponse): void {
    const selected = selectorMatcher(query);
    const matches = (object: TestObject) => selected(object) && (target.name === undefined || object.metadata.name === target.name);
    const backlog = this.#backlog(target, query, matches);
    if (backlog === undefined) {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      response.end(`${JSON.stringify({ type: 'ERROR', object: statusBody(410, 'Expired', `too old resource version: ${query.get('resourceVersion')}`) })}\n`);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    response.flushHeaders();
    this.#open.add(response);
    const write = (event: WatchEvent) => response.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    for (const event of backlog) write(event);
    const unsubscribe = this.store.addWatcher({ type: target.type, namespace: target.namespace, matches, send: write });
    response.on('close', () => {
      unsubscribe();
      this.#open.delete(response);
    });
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) setTimeout(() => response.end(), timeoutSeconds * 1000).unref();
  }

  /** Ends every open watch, as a stopping API server does. */
  closeAll(): void {
    this.store.closeWatchers();
    for (const response of this.#open) response.end();
  }

  /** The events a new watch starts with; undefined when its resume point is too old. */
  #backlog(target: ResourcePath, query: URLSearchParams, matches: (object: TestObject) => boolean): WatchEvent[] | undefined {
    const requested = query.get('resourceVersion');
    if (requested === null || requested === '' || requested === '0') {
      // No resume point: start with the current state, as synthetic ADDED events.
      return selectObjects(this.store, target.type, target.namespace, query)
        .filter(matches)
        .map((object) => ({ resourceVersion: Number(object.metadata.resourceVersion), type: 'ADDED' as const, object }));
    }
    return this.store.since(Number(requested))?.filter((event) => isOfType(event.object, target.type, target.namespace) && matches(event.object));
  }
}
