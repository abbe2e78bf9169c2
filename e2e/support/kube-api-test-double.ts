import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExecStreams, type ExecHandler } from './kube-api-test-double/exec-streams.ts';
import { createRequestHandler } from './kube-api-test-double/http-router.ts';
import { writeKubeconfig } from './kube-api-test-double/kubeconfig.ts';
import { Store } from './kube-api-test-double/object-store.ts';
import { typeOfKind, type TestObject, type TestObjectRef } from './kube-api-test-double/resource-types.ts';
import { WatchStreams } from './kube-api-test-double/watch-streams.ts';

export type { ExecHandler, ExecRequest } from './kube-api-test-double/exec-streams.ts';
export type { TestObject, TestObjectRef } from './kube-api-test-double/resource-types.ts';

/**
 * TEST DOUBLE — a stand-in for the Kubernetes API server, for tests only (never shipped).
 *
 * A real HTTP server on 127.0.0.1 that speaks enough of the Kubernetes REST API for @kubernetes/client-node
 * (informers, KubernetesObjectApi) and kubectl-style clients: discovery, list (labelSelector, fieldSelector
 * on metadata.name/namespace), get, watch (newline-delimited JSON events with resourceVersion resume),
 * create, replace, merge / server-side-apply patches, the status subresource and delete.
 *
 * It simulates NO controllers: nothing schedules pods, fills in status or garbage-collects children. Tests
 * set the state they need with setObjects / upsert / patchStatus / remove, and every change is streamed to
 * open watches exactly as the API server would stream it, so the code under test sees real events.
 *
 * This file wires the parts in ./kube-api-test-double/ together and is the only one tests import.
 */

export interface KubeApiTestDouble {
  /** Base URL, e.g. http://127.0.0.1:39213 */
  readonly url: string;
  /** A kubeconfig file whose current context points at this server (in a temp folder that stop() removes). */
  readonly kubeconfigPath: string;
  /** Writes another kubeconfig pointing at this server into dir; returns its path. */
  writeKubeconfig(dir: string): Promise<string>;
  /** Replaces every object (deletions, additions and changes are streamed to watches). */
  setObjects(objects: ReadonlyArray<Record<string, unknown>>): Promise<void>;
  /** Creates or replaces one object (status included). */
  upsert(object: Record<string, unknown>): Promise<TestObject>;
  /** Deletes one object; false when it did not exist. */
  remove(ref: TestObjectRef): Promise<boolean>;
  /** Replaces an object's status, as a controller would. */
  patchStatus(ref: TestObjectRef, status: Record<string, unknown>): Promise<TestObject>;
  /** A copy of every stored object. */
  objects(): TestObject[];
  /**
   * Answers `kubectl exec` / client-node Exec on pods (the v4 channel protocol over WebSocket). Without a
   * handler every exec exits 126 saying so.
   */
  onExec(handler: ExecHandler): void;
  /** Requests served so far, "METHOD path?query", for tests that assert what a client asked. */
  requests(): string[];
  stop(): Promise<void>;
  /** Same as stop(). */
  close(): Promise<void>;
}

/** Starts the test double on a free loopback port. */
export async function startKubeApiTestDouble(options: { objects?: ReadonlyArray<Record<string, unknown>>; /** Listen on this port (tests of reconnects start a second double where the first one was); default: any free port. */ port?: number } = {}): Promise<KubeApiTestDouble> {
  const store = new Store();
  const requestLog: string[] = [];
  for (const object of options.objects ?? []) store.put(object);

  const watches = new WatchStreams(store);
  const server = createServer(createRequestHandler(store, watches, requestLog));
  const execs = new ExecStreams(server, store, requestLog);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const kubeconfigDir = await mkdtemp(path.join(tmpdir(), 'labdeck-kube-double-'));
  const kubeconfigPath = await writeKubeconfig(url, kubeconfigDir);

  const refType = (ref: TestObjectRef) => typeOfKind(ref.kind, ref.apiVersion);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    watches.closeAll();
    execs.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(kubeconfigDir, { recursive: true, force: true });
  };

  return {
    url,
    kubeconfigPath,
    writeKubeconfig: (dir) => writeKubeconfig(url, dir),
    async setObjects(objects) {
      store.replaceAll(objects);
    },
    async upsert(object) {
      return structuredClone(store.put(object));
    },
    async remove(ref) {
      return store.delete(refType(ref), ref.namespace, ref.name) !== undefined;
    },
    async patchStatus(ref, status) {
      const live = store.get(refType(ref), ref.namespace, ref.name);
      if (!live) throw new Error(`${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} does not exist in the test double`);
      return structuredClone(store.put({ ...live, status }));
    },
    onExec(handler: ExecHandler) {
      execs.handler = handler;
    },
    objects: (): TestObject[] => structuredClone(store.all()),
    requests: () => [...requestLog],
    stop,
    close: stop,
  };
}
