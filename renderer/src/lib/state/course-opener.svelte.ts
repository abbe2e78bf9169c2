import { courseUploadChunkBytes, maxCourseUploadBytes, type CourseInspection, type CourseOpenResult, type CourseProgress, type CourseSource } from '../../../../electron/common/api/course.ts';
import { describeError, type ShownError } from '../errors.ts';
import type { WorkspaceApi } from '../workspace-api.ts';

export type OpenerPhase = 'idle' | 'uploading' | 'inspecting' | 'confirm' | 'opening' | 'done' | 'error';

/**
 * "Open course…", drag and drop and the missing-image fix all end here: the course is sent (a path from the
 * native dialog, or the file's bytes uploaded in pieces), verified without opening it, shown with who signed
 * it, and opened only after the attendee trusted exactly that fingerprint (or, for a folder, agreed that it
 * is trusted like code). Then the backend loads its images with progress and switches the course.
 */
export class CourseOpener {
  phase = $state<OpenerPhase>('idle');
  inspection = $state<CourseInspection | null>(null);
  /** The latest report of each stage (verify, extract, images, switch, done), and of each image. */
  progress = $state<CourseProgress[]>([]);
  uploaded = $state(0);
  uploadTotal = $state(0);
  error = $state<ShownError | null>(null);
  result = $state<CourseOpenResult | null>(null);
  /** Asks the page for a file when there is no native dialog (the browser shell); set by the component. */
  requestFile: (() => void) | null = null;

  readonly #api: WorkspaceApi;
  #source: CourseSource | null = null;
  #stop: (() => void) | null = null;

  constructor(api: WorkspaceApi) {
    this.#api = api;
  }

  get active(): boolean {
    return this.phase !== 'idle';
  }

  /**
   * Listens for progress; `onSwitchedElsewhere` runs when another window (or tab) switched the course, since
   * this page's state then belongs to a course the backend no longer serves.
   */
  start(onSwitchedElsewhere: () => void = () => undefined): () => void {
    const stopChanged = this.#api.on('course.changed', () => {
      if (this.phase === 'idle') onSwitchedElsewhere();
    });
    const stopProgress = this.#api.on('course.progress', (event) => {
      if (this.phase !== 'opening') return;
      // One line per stage, and per image while images load, so each image shows how far it got.
      this.progress = [...this.progress.filter((line) => line.stage !== event.stage || line.image !== event.image), event];
    });
    this.#stop = () => {
      stopProgress();
      stopChanged();
    };
    return this.#stop;
  }

  stop(): void {
    this.#stop?.();
  }

  /** "Open course…": the native dialog where there is one, else the page's file chooser. */
  async choose(): Promise<void> {
    try {
      const picked = await this.#api.call('course.pick', {});
      if (!picked.available) {
        this.requestFile?.();
        return;
      }
      if (picked.path) await this.inspect({ path: picked.path });
    } catch (error) {
      this.#fail(error);
    }
  }

  /** A file chosen in the page or dropped onto the window: uploaded in pieces, then inspected. */
  async openFile(file: File): Promise<void> {
    this.#reset();
    if (!file.name.endsWith('.labdeck')) {
      this.#fail(new Error(`${file.name} is not a Labdeck course pack.`), 'Choose the .labdeck file your instructor handed out.');
      return;
    }
    if (file.size > maxCourseUploadBytes || file.size === 0) {
      this.#fail(new Error(`${file.name} is ${file.size === 0 ? 'empty' : 'larger than Labdeck accepts from the page'}.`), 'Start Labdeck with --course <file> to open it from disk.');
      return;
    }
    this.phase = 'uploading';
    this.uploadTotal = file.size;
    try {
      const { uploadId } = await this.#api.call('course.uploadBegin', { name: file.name, size: file.size });
      for (let offset = 0; offset < file.size; offset += courseUploadChunkBytes) {
        const bytes = new Uint8Array(await file.slice(offset, offset + courseUploadChunkBytes).arrayBuffer());
        const { received } = await this.#api.call('course.uploadChunk', { uploadId, offset, data: toBase64(bytes) });
        this.uploaded = received;
      }
      await this.inspect({ uploadId });
    } catch (error) {
      this.#fail(error);
    }
  }

  async inspect(source: CourseSource): Promise<void> {
    this.phase = 'inspecting';
    this.#source = source;
    try {
      this.inspection = await this.#api.call('course.inspect', { source });
      // A publisher trusted before is not asked about again, unless the pack is an older version of the course
      // open now (issue 21); a folder always shows its notice.
      if (this.inspection.kind === 'pack' && this.inspection.trusted && this.inspection.olderThan === undefined) await this.confirm();
      else this.phase = 'confirm';
    } catch (error) {
      this.#fail(error);
    }
  }

  /** The attendee trusts what the dialog showed (that fingerprint, or the folder like code). */
  async confirm(): Promise<void> {
    const inspection = this.inspection;
    if (!inspection || !this.#source) return;
    this.phase = 'opening';
    this.progress = [];
    try {
      this.result = await this.#api.call('course.open', {
        source: this.#source,
        ...(inspection.kind === 'pack' ? { trustFingerprint: inspection.publisher.fingerprint } : { trustFolder: true }),
        // The dialog said the pack is older than the course open now; confirming is agreeing to that.
        ...(inspection.kind === 'pack' && inspection.olderThan !== undefined ? { allowOlder: true } : {}),
      });
      this.phase = 'done';
    } catch (error) {
      this.#fail(error);
    }
  }

  close(): void {
    this.#reset();
  }

  #reset(): void {
    this.phase = 'idle';
    this.inspection = null;
    this.progress = [];
    this.uploaded = 0;
    this.uploadTotal = 0;
    this.error = null;
    this.result = null;
    this.#source = null;
  }

  #fail(error: unknown, action?: string): void {
    const shown = describeError(error);
    this.error = action ? { ...shown, action } : shown;
    this.phase = 'error';
  }
}

/** Base64 without btoa's string-argument limits: in slices, so a 768 KB piece never blows the stack. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  return btoa(binary);
}
