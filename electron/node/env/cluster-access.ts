import fs from 'node:fs/promises';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterAccess } from '../backend/ports.ts';

/**
 * The host's way into the lab cluster: a kubeconfig file in the data folder pointing at the API server's
 * published port. The environment writes it when the cluster is up or resumed and deletes it on down.
 */
export class FileClusterAccess implements ClusterAccess {
  readonly #file: string;
  readonly #listeners = new Set<() => void>();

  constructor(file: string) {
    this.#file = file;
  }

  get file(): string {
    return this.#file;
  }

  async kubeConfig(): Promise<KubeConfig | null> {
    const text = await this.#read();
    if (text === null) return null;
    const config = new KubeConfig();
    config.loadFromString(text);
    return config;
  }

  async kubeconfigPath(): Promise<string | null> {
    return (await this.#read()) === null ? null : this.#file;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Replaces the kubeconfig (or removes it with null) and tells every listener. */
  async update(text: string | null): Promise<void> {
    const current = await this.#read();
    if (current === text) return;
    if (text === null) await fs.rm(this.#file, { force: true });
    else {
      await fs.mkdir(path.dirname(this.#file), { recursive: true });
      await fs.writeFile(this.#file, text, { mode: 0o600 });
    }
    for (const listener of this.#listeners) listener();
  }

  async #read(): Promise<string | null> {
    try {
      return await fs.readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}
