import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { CourseInspection } from '../../../electron/common/api/course.ts';
import { CourseOpener, toBase64 } from '../lib/state/course-opener.svelte.ts';
import { FakeApi } from '../test/fake-api.ts';
import CourseOpenFlow from './CourseOpenFlow.svelte';

const fingerprint = 'ab12 cd34 ef56 0000 1111 2222 3333 4444 5555 6666 7777 8888 9999 aaaa bbbb cccc';
const pack = (trusted: boolean): CourseInspection => ({
  kind: 'pack',
  fileName: 'demo.labdeck',
  title: 'Demo course',
  version: '2.0.0',
  publisher: { name: 'Ada', fingerprint },
  trusted,
  architectures: ['amd64'],
  imageFiles: 2,
});

function setup(inspection: CourseInspection) {
  const api = new FakeApi()
    .handle('course.pick', () => ({ available: false }))
    .handle('course.uploadBegin', () => ({ uploadId: 'f'.repeat(32) }))
    .handle('course.uploadChunk', (input) => ({ received: input.offset + atob(input.data).length, complete: true }))
    .handle('course.inspect', () => inspection)
    .handle('course.open', () => ({ title: 'Demo course', notice: `signed by Ada (${fingerprint})`, imagesLoaded: 2, imagesMessage: '2 image(s) loaded into Docker' }));
  const opener = new CourseOpener(api);
  let reloaded = 0;
  render(CourseOpenFlow, { opener, onOpened: () => (reloaded += 1) });
  return { api, opener, reloaded: () => reloaded };
}

describe('opening a course from the page', () => {
  it('uploads the file, shows who signed it and opens only with the fingerprint the attendee trusted', async () => {
    const { api, opener, reloaded } = setup(pack(false));
    await opener.openFile(new File([new Uint8Array([1, 2, 3, 4, 5])], 'demo.labdeck'));
    expect(await screen.findByTestId('publisher-name')).toHaveProperty('textContent', 'Ada');
    expect(screen.getByTestId('publisher-fingerprint').textContent).toBe(fingerprint);
    expect(api.calls.map((call) => call.name)).toEqual(['course.uploadBegin', 'course.uploadChunk', 'course.inspect']);
    expect(api.calls[1]!.input).toMatchObject({ offset: 0, data: toBase64(new Uint8Array([1, 2, 3, 4, 5])) });

    api.emit('course.progress', { stage: 'images', percent: 50, message: 'Loading labdeck/e2e into Docker', at: '2026-01-01T00:00:00Z' });
    await fireEvent.click(screen.getByRole('button', { name: 'Trust Ada and open' }));
    expect(api.calls.at(-1)).toEqual({ name: 'course.open', input: { source: { uploadId: 'f'.repeat(32) }, trustFingerprint: fingerprint } });
    expect(await screen.findByTestId('images-message')).toHaveProperty('textContent', '2 image(s) loaded into Docker');
    await fireEvent.click(screen.getByRole('button', { name: 'Continue with Demo course' }));
    expect(reloaded()).toBe(1);
  });

  it('shows the fingerprint first and the claimed name as one neutral line that cannot imitate it (issue 21)', async () => {
    const forged = `Ada\nKey fingerprint\n${'0'.repeat(4)} \u001b[8m\u202e`;
    const { opener } = setup({ ...(pack(false) as Extract<CourseInspection, { kind: 'pack' }>), publisher: { name: forged, fingerprint } });
    await opener.openFile(new File([new Uint8Array([1])], 'demo.labdeck'));
    const name = await screen.findByTestId('publisher-name');
    const shown = screen.getByTestId('publisher-fingerprint');
    expect(shown.textContent).toBe(fingerprint);
    // The fingerprint comes before the name in the dialog, whatever the name holds.
    expect(shown.compareDocumentPosition(name) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(name.textContent).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(name.textContent?.startsWith('Ada\ufffdKey fingerprint\ufffd0000')).toBe(true);
    expect(screen.getAllByText(fingerprint)).toHaveLength(1);
  });

  it('does not ask again about a publisher already trusted', async () => {
    const { api, opener } = setup(pack(true));
    await opener.openFile(new File([new Uint8Array([1])], 'demo.labdeck'));
    await waitFor(() => expect(api.calls.at(-1)?.name).toBe('course.open'));
    expect(screen.queryByRole('button', { name: 'Trust Ada and open' })).toBeNull();
  });

  it('asks before an older version replaces the course open now, even from a trusted publisher (issue 21)', async () => {
    const { api, opener } = setup({ ...(pack(true) as Extract<CourseInspection, { kind: 'pack' }>), olderThan: '3.0.0' });
    await opener.openFile(new File([new Uint8Array([1])], 'demo.labdeck'));
    expect((await screen.findByTestId('older-version')).textContent).toMatch(/version 2\.0\.0 of Demo course, older than version 3\.0\.0 open now/);
    expect(api.calls.map((call) => call.name)).not.toContain('course.open');
    await fireEvent.click(screen.getByRole('button', { name: 'Open the older version' }));
    await waitFor(() => expect(api.calls.at(-1)).toEqual({ name: 'course.open', input: { source: { uploadId: 'f'.repeat(32) }, trustFingerprint: fingerprint, allowOlder: true } }));
  });

  it('says a folder is trusted like code before opening it', async () => {
    const { api, opener } = setup({ kind: 'folder', dir: '/tmp/course', title: 'Mine', notice: 'Course folder /tmp/course is not a signed pack: Labdeck trusts it like code you run.' });
    await opener.inspect({ path: '/tmp/course' });
    expect((await screen.findByTestId('folder-notice')).textContent).toMatch(/trusts it like code/);
    await fireEvent.click(screen.getByRole('button', { name: 'Open it, I trust it like code' }));
    expect(api.calls.at(-1)).toEqual({ name: 'course.open', input: { source: { path: '/tmp/course' }, trustFolder: true } });
  });

  it('refuses a file that is not a pack without sending it', async () => {
    const { api, opener } = setup(pack(false));
    await opener.openFile(new File(['x'], 'notes.txt'));
    expect((await screen.findByRole('alert')).textContent).toContain('notes.txt is not a Labdeck course pack');
    expect(api.calls).toEqual([]);
  });

  it('asks the page for a file where there is no native dialog', async () => {
    const { opener } = setup(pack(false));
    let asked = 0;
    opener.requestFile = () => (asked += 1);
    await opener.choose();
    expect(asked).toBe(1);
  });
});

describe('dropping a pack onto the window', () => {
  it('uploads the dropped file like a chosen one, and ignores drags that carry no files', async () => {
    const { api } = setup(pack(false));
    const file = new File([new Uint8Array([7, 7, 7])], 'dropped.labdeck');
    await fireEvent.drop(window, { dataTransfer: { types: ['text/plain'], files: [] } });
    expect(api.calls).toEqual([]);
    await fireEvent.dragEnter(window, { dataTransfer: { types: ['Files'], files: [file] } });
    expect(screen.getByText('Drop the course pack (.labdeck) to open it')).toBeTruthy();
    await fireEvent.drop(window, { dataTransfer: { types: ['Files'], files: [file] } });
    await waitFor(() => expect(api.calls.map((call) => call.name)).toEqual(['course.uploadBegin', 'course.uploadChunk', 'course.inspect']));
    expect(api.calls[0]!.input).toEqual({ name: 'dropped.labdeck', size: 3 });
    expect(screen.queryByText('Drop the course pack (.labdeck) to open it')).toBeNull();
  });
});

describe('another window switched the course', () => {
  it('starts this page over on the new course, but not while this page is the one opening it', async () => {
    const { api, opener, reloaded } = setup(pack(false));
    api.emit('course.changed', { title: 'Demo course' });
    expect(reloaded()).toBe(1);
    await opener.openFile(new File([new Uint8Array([1])], 'demo.labdeck'));
    api.emit('course.changed', { title: 'Demo course' });
    expect(reloaded()).toBe(1);
  });
});
