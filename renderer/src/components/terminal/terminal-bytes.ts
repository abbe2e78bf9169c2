/** Base64 from the backend -> the raw bytes the shell wrote; xterm decodes UTF-8 itself, across chunks. */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * Collects how many output bytes xterm has processed and reports them in batches of `batchSize`, the
 * renderer half of the backend's watermark flow control.
 */
export class AckBatcher {
  #pending = 0;

  constructor(
    private readonly send: (bytes: number) => void,
    private readonly batchSize = 5_000,
  ) {}

  processed(bytes: number): void {
    this.#pending += bytes;
    if (this.#pending >= this.batchSize) {
      const bytesToAck = this.#pending;
      this.#pending = 0;
      this.send(bytesToAck);
    }
  }

  /** Forget unreported bytes: after an attach the backend starts counting from zero. */
  reset(): void {
    this.#pending = 0;
  }
}
