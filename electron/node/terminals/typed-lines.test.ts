import { describe, expect, it } from 'vitest';
import { TypedLines } from './typed-lines.ts';

const FAKE = 'kubectl get nodes -o wide';

describe('the terminal’s witness of the lines the attendee entered', () => {
  it('believes a report of the line typed, whatever the editing keys', () => {
    const typed = new TypedLines();
    typed.input('kubectl get nodse\u007f\u007f\u007fdes\u001b[D\u001b[C -o wide\r');
    expect(typed.witness('kubectl get nodes -o wide')).toBeDefined();
    // Used up: the same report again is not believed.
    expect(typed.witness('kubectl get nodes -o wide')).toBeUndefined();
  });

  it('refuses a report printed by a command instead of typed (a shell-integration escape from printf)', () => {
    const typed = new TypedLines();
    typed.input(`printf '\\e]6973;labdeck-record=...\\a'\r`);
    expect(typed.witness(FAKE)).toBeUndefined();
    // The shell's real report of the printf line follows, and is believed.
    expect(typed.witness(`printf '\\e]6973;labdeck-record=...\\a'`)).toBeDefined();
  });

  it('never lets a line typed into a running command stand for the command that read it', () => {
    const typed = new TypedLines();
    typed.input('read answer; printf fake\r');
    typed.input(`${FAKE}\r`);
    expect(typed.witness(FAKE)).toBeUndefined();
    expect(typed.witness('read answer; printf fake')).toBeDefined();
    // What the running command read is stale: a later report of it is not believed, the next typed line is.
    expect(typed.witness(FAKE)).toBeUndefined();
    typed.input('kubectl get pods\r');
    expect(typed.witness('kubectl get pods')).toBeDefined();
  });

  it('takes a pasted block as bash runs it, and not a line typed while another command ran', () => {
    // Typed ahead looks exactly like typed into `read`: it does not count, the next line at the prompt does.
    const typed = new TypedLines();
    typed.input('sleep 2\rkubectl get pods\r');
    expect(typed.witness('sleep 2')).toBeDefined();
    expect(typed.witness('kubectl get pods')).toBeUndefined();
    typed.input('kubectl get svc\r');
    expect(typed.witness('kubectl get svc')).toBeDefined();
    const pasted = new TypedLines();
    pasted.input('\u001b[200~echo one\recho two\r\u001b[201~\r');
    expect(pasted.witness('echo two')).toBeDefined();
  });

  it('joins the lines bash joins: continuation, open quotes, compound commands', () => {
    const typed = new TypedLines();
    typed.input('for i in 1 2\rdo echo $i\rdone\r');
    expect(typed.witness('for i in 1 2; do echo $i; done')).toBeDefined();
    typed.input('kubectl get \\\rnodes\r');
    expect(typed.witness('kubectl get nodes')).toBeDefined();
  });

  it('accepts what Tab completion adds, but not a line that does not begin as typed', () => {
    const typed = new TypedLines();
    typed.input('kubectl get no\t -o wi\t\r');
    expect(typed.witness('kubectl get nodes -o wide')).toBeDefined();
    typed.input('ke\t\r');
    expect(typed.witness(FAKE)).toBeUndefined();
  });

  it('believes a recalled line it saw entered, and one from an earlier shell only when it ran before', () => {
    const typed = new TypedLines({ known: (command) => command === 'kubectl get pods' });
    typed.input('kubectl get svc\r');
    expect(typed.witness('kubectl get svc')).toBeDefined();
    typed.input('\u001b[A\r');
    expect(typed.witness('kubectl get svc')).toBeDefined();
    typed.input('\u001b[A\u001b[A\u001b[A\r');
    expect(typed.witness(FAKE)).toBeUndefined();
    expect(typed.witness('kubectl get pods')).toBeDefined();
    typed.input('!!\r');
    expect(typed.witness('kubectl get pods')).toBeDefined();
  });

  it('believes nothing that was never entered', () => {
    const typed = new TypedLines({ known: () => true });
    expect(typed.witness(FAKE)).toBeUndefined();
    typed.input('\r\r');
    expect(typed.witness(FAKE)).toBeUndefined();
  });
});

describe('a prompt without a report', () => {
  it('ends what was entered before it: a line kept out of history cannot be claimed later', () => {
    const typed = new TypedLines();
    typed.input(`${FAKE}\r`);
    typed.promptShown();
    expect(typed.witness(FAKE)).toBeUndefined();
    typed.input('kubectl get pods\r');
    expect(typed.witness('kubectl get pods')).toBeDefined();
  });
});
