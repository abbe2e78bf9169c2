/**
 * Starts the calls of many clients in turn, one per event-loop turn, round-robin across clients.
 *
 * A call's synchronous work (parsing, schema checks, manifest validation) runs on the backend's one event
 * loop. Without this, a client that pipelines many large calls would have all of them started before the
 * loop reads another client's socket again, and that client would wait for the whole batch. With it, every
 * other client's next call starts after at most one call of the busy client.
 */
export class FairQueue {
  readonly #queues = new Map<string, Array<() => void>>();
  readonly #maxPendingPerClient: number;
  #scheduled = false;

  constructor(options: { maxPendingPerClient: number }) {
    this.#maxPendingPerClient = options.maxPendingPerClient;
  }

  /** Queues a start; false when the client already has too many calls waiting (it should back off). */
  enqueue(client: string, start: () => void): boolean {
    const queue = this.#queues.get(client) ?? [];
    if (queue.length >= this.#maxPendingPerClient) return false;
    queue.push(start);
    this.#queues.set(client, queue);
    this.#schedule();
    return true;
  }

  /** Forgets a client's waiting calls (its connection closed; nobody would read the answers). */
  drop(client: string): void {
    this.#queues.delete(client);
  }

  pending(): number {
    let count = 0;
    for (const queue of this.#queues.values()) count += queue.length;
    return count;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: the poll phase in between reads the other clients' sockets.
    setImmediate(() => this.#startNext());
  }

  #startNext(): void {
    this.#scheduled = false;
    for (const [client, queue] of this.#queues) {
      const start = queue.shift();
      // Re-inserting moves this client behind the others: Map iteration follows insertion order.
      this.#queues.delete(client);
      if (queue.length > 0) this.#queues.set(client, queue);
      if (start) {
        try {
          start();
        } finally {
          if (this.#queues.size > 0) this.#schedule();
        }
        return;
      }
    }
  }
}
