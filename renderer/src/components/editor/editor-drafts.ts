/**
 * What the attendee typed in the editor, kept in this browser's localStorage per course, lab and file name,
 * so a reload (or an app restart) brings it back as the terminal's scrollback comes back. Only text the
 * attendee wrote is kept; nothing is sent anywhere.
 */

export interface DraftScope {
  courseId: string;
  labId: string;
}

export interface Draft {
  fileName: string;
  content: string;
}

type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const PREFIX = 'labdeck.editor';

function fileKey(scope: DraftScope, fileName: string): string {
  return `${PREFIX}:${scope.courseId}:${scope.labId}:file:${fileName}`;
}

function lastKey(scope: DraftScope): string {
  return `${PREFIX}:${scope.courseId}:${scope.labId}:last`;
}

export class EditorDrafts {
  constructor(private readonly storage: DraftStorage | undefined = globalThis.localStorage) {}

  save(scope: DraftScope, draft: Draft): void {
    try {
      this.storage?.setItem(fileKey(scope, draft.fileName), draft.content);
      this.storage?.setItem(lastKey(scope), draft.fileName);
    } catch {
      // Storage full or refused: the draft lives only in the editor, as before.
    }
  }

  /** The file last edited in this lab, with its text; null when there is none. */
  last(scope: DraftScope): Draft | null {
    try {
      const fileName = this.storage?.getItem(lastKey(scope));
      if (!fileName) return null;
      const content = this.storage?.getItem(fileKey(scope, fileName));
      return content === null || content === undefined ? null : { fileName, content };
    } catch {
      return null;
    }
  }
}
