import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { maxCourseUploadBytes } from '../../common/api/course.ts';
import { LabdeckError } from '../../common/errors.ts';

interface Upload {
  file: string;
  name: string;
  size: number;
  received: number;
}

/**
 * Packs sent from the page (the browser shell's "Open course…", a file dropped onto the window). The page
 * cannot hand the backend a path, so the bytes travel as chunks over the same token-protected, validated API
 * as every other call; they are written in order to one file per upload, never beyond the size announced
 * (itself bounded by maxCourseUploadBytes). Only the newest few uploads are kept.
 */
export class CourseUploads {
  readonly #dir: string;
  readonly #uploads = new Map<string, Upload>();
  readonly #keep: number;

  constructor(dataDir: string, options: { keep?: number } = {}) {
    this.#dir = path.join(dataDir, 'uploads');
    this.#keep = options.keep ?? 2;
  }

  async begin(name: string, size: number): Promise<string> {
    if (!Number.isInteger(size) || size < 1 || size > maxCourseUploadBytes) {
      throw new LabdeckError('invalid-request', `${name} is ${size} bytes; Labdeck accepts course packs up to ${maxCourseUploadBytes / 1024 ** 3} GB from the page.`, {
        action: 'Start Labdeck with `--course <file>` (or `labdeck serve --course <file>`) to open a larger pack from disk.',
      });
    }
    const id = crypto.randomBytes(16).toString('hex');
    await fsp.mkdir(this.#dir, { recursive: true });
    const file = path.join(this.#dir, `${id}.labdeck`);
    await fsp.writeFile(file, '', { mode: 0o600 });
    this.#uploads.set(id, { file, name: path.basename(name), size, received: 0 });
    await this.#forgetOld();
    return id;
  }

  async chunk(id: string, offset: number, base64: string): Promise<{ received: number; complete: boolean }> {
    const upload = this.#uploads.get(id);
    if (!upload) throw new LabdeckError('not-found', 'This upload is unknown or was replaced by a newer one.', { action: 'Choose the course file again.' });
    if (offset !== upload.received) {
      throw new LabdeckError('conflict', `Upload of ${upload.name}: expected the piece at byte ${upload.received}, got ${offset}.`, { action: 'Choose the course file again.' });
    }
    const bytes = Buffer.from(base64, 'base64');
    if (upload.received + bytes.length > upload.size) {
      throw new LabdeckError('invalid-request', `Upload of ${upload.name} is larger than the ${upload.size} bytes announced.`, { action: 'Choose the course file again.' });
    }
    await fsp.appendFile(upload.file, bytes);
    upload.received += bytes.length;
    return { received: upload.received, complete: upload.received === upload.size };
  }

  /** The finished upload's file and the name the attendee chose; refused while bytes are missing. */
  completed(id: string): { file: string; name: string } {
    const upload = this.#uploads.get(id);
    if (!upload) throw new LabdeckError('not-found', 'This upload is unknown or was replaced by a newer one.', { action: 'Choose the course file again.' });
    if (upload.received !== upload.size) {
      throw new LabdeckError('conflict', `Upload of ${upload.name} is incomplete (${upload.received} of ${upload.size} bytes).`, { action: 'Wait for the upload to finish, or choose the file again.' });
    }
    return { file: upload.file, name: upload.name };
  }

  async #forgetOld(): Promise<void> {
    const ids = [...this.#uploads.keys()];
    for (const id of ids.slice(0, Math.max(0, ids.length - this.#keep))) {
      const upload = this.#uploads.get(id)!;
      this.#uploads.delete(id);
      await fsp.rm(upload.file, { force: true });
    }
  }
}
