const ESC = '\u001b';

/** What one key did to the line being edited at a prompt. */
export type KeyEffect = 'edited' | 'submitted' | 'abandoned' | 'recalled' | 'completed' | 'other';

/**
 * The command line as bash's readline edits it, rebuilt from the keys typed into Labdeck's terminal: the
 * printable keys, the editing keys (Backspace, Delete, Ctrl-U/K/W, Home/End, arrows) and the history keys
 * over the lines entered in this terminal. Tab completion and history search are not replayed (their result
 * depends on the machine): they are reported as `completed`, and the caller decides what the line can be.
 */
export class ReadlineLine {
  #line = '';
  #cursor = 0;
  /** Lines entered in this shell, for the up/down history keys (readline keeps the same list). */
  readonly #history: string[] = [];
  #historyIndex = 0;
  /** Input bytes of an escape sequence split across writes. */
  #pendingInput = '';

  get text(): string {
    return this.#line;
  }

  /** Splits typed data into keys (an escape sequence is one key), whole sequences only. */
  keys(data: string): string[] {
    const text = this.#pendingInput + data;
    this.#pendingInput = '';
    const keys: string[] = [];
    let index = 0;
    while (index < text.length) {
      if (text[index] === ESC) {
        const sequence = /^\u001b(\[[0-9;]*[A-Za-z~]|O[A-Za-z]|[A-Za-z.])?/.exec(text.slice(index));
        if (!sequence?.[1]) {
          // An incomplete sequence at the end of this write: wait for the rest. A lone ESC is a key of its own.
          if (text.length - index < 8) {
            this.#pendingInput = text.slice(index);
            break;
          }
          keys.push(ESC);
          index += 1;
          continue;
        }
        keys.push(sequence[0]);
        index += sequence[0].length;
        continue;
      }
      keys.push(text[index]!);
      index += 1;
    }
    return keys;
  }

  /** Applies one key; `submitted` leaves the entered line in `text` until the next key. */
  key(key: string): KeyEffect {
    switch (key) {
      case '\r':
      case '\n':
        return 'submitted';
      case '\u0003': // Ctrl-C: the line is abandoned
        this.#set('');
        return 'abandoned';
      case '\u007f':
      case '\b':
        if (this.#cursor > 0) this.#edit(this.#cursor - 1, this.#cursor, '');
        return 'edited';
      case `${ESC}[3~`: // Delete
      case '\u0004': // Ctrl-D on a non-empty line deletes under the cursor
        if (this.#cursor < this.#line.length) this.#edit(this.#cursor, this.#cursor + 1, '');
        return 'edited';
      case '\u0015': // Ctrl-U
        this.#edit(0, this.#cursor, '');
        return 'edited';
      case '\u000b': // Ctrl-K
        this.#edit(this.#cursor, this.#line.length, '');
        return 'edited';
      case '\u0017': {
        // Ctrl-W: the word before the cursor
        const before = this.#line.slice(0, this.#cursor);
        this.#edit(before.replace(/\S+\s*$/, '').length, this.#cursor, '');
        return 'edited';
      }
      case '\u0001':
      case `${ESC}[H`:
      case `${ESC}OH`:
      case `${ESC}[1~`:
        this.#cursor = 0;
        return 'edited';
      case '\u0005':
      case `${ESC}[F`:
      case `${ESC}OF`:
      case `${ESC}[4~`:
        this.#cursor = this.#line.length;
        return 'edited';
      case `${ESC}[D`:
      case `${ESC}OD`:
      case '\u0002':
        this.#cursor = Math.max(0, this.#cursor - 1);
        return 'edited';
      case `${ESC}[C`:
      case `${ESC}OC`:
      case '\u0006':
        this.#cursor = Math.min(this.#line.length, this.#cursor + 1);
        return 'edited';
      case `${ESC}[A`:
      case `${ESC}OA`:
      case '\u0010':
        return this.#recall(-1);
      case `${ESC}[B`:
      case `${ESC}OB`:
      case '\u000e':
        return this.#recall(1);
      case '\t':
      case '\u0012': // Ctrl-R history search
      case `${ESC}.`: // Alt-. last argument
        return 'completed';
    }
    if (key.length === 1 && key >= ' ') {
      this.#edit(this.#cursor, this.#cursor, key);
      return 'edited';
    }
    return 'other';
  }

  /** The entered line goes into this shell's history and the next line starts empty. */
  enter(): string {
    const line = this.#line;
    this.#set('');
    if (line.trim() !== '') {
      this.#history.push(line.trim());
    }
    this.#historyIndex = this.#history.length;
    return line;
  }

  /** Text readline inserts as it is (a bracketed paste's newlines). */
  insert(text: string): void {
    this.#edit(this.#cursor, this.#cursor, text);
  }

  #recall(step: number): KeyEffect {
    const index = Math.min(this.#history.length, Math.max(0, this.#historyIndex + step));
    // Beyond this terminal's own lines, bash recalls lines of earlier shells Labdeck never saw typed.
    const beyond = this.#historyIndex + step < 0;
    this.#historyIndex = index;
    this.#set(beyond ? '' : (this.#history[index] ?? ''));
    return beyond ? 'completed' : 'recalled';
  }

  #set(line: string): void {
    this.#line = line;
    this.#cursor = line.length;
  }

  #edit(from: number, to: number, insert: string): void {
    this.#line = this.#line.slice(0, from) + insert + this.#line.slice(to);
    this.#cursor = from + insert.length;
  }
}
