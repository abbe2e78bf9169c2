import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClassProgress } from '../../../electron/common/api/classroom.ts';
import { FakeApi } from '../test/fake-api.ts';
import ClassProgressScreen from './ClassProgressScreen.svelte';

const table = (dir: string): ClassProgress => ({
  dir,
  labs: ['1.1'],
  rows: [{ file: 'ada.labdeck-report.json', attendee: 'Ada', course: 'c 1.0.0', flags: [], labs: { '1.1': 1 }, total: 100, problems: [] }],
  summary: { reports: 1, clean: 1, flagged: 0, averageTotal: 100, averageByLab: { '1.1': 1 } },
  unreadable: [],
  at: 'now',
});

beforeEach(() => localStorage.clear());

describe('ClassProgressScreen', () => {
  it('chooses the reports folder with the system dialog in the app window, no typing', async () => {
    const api = new FakeApi()
      .handle('classroom.pickFolder', () => ({ available: true, dir: '/home/teacher/reports' }))
      .handle('classroom.watch', ({ dir }) => table(dir))
      .handle('classroom.unwatch', () => ({ stopped: true }));
    render(ClassProgressScreen, { api, onBack: vi.fn() });
    await fireEvent.click(screen.getByRole('button', { name: 'Choose the reports folder…' }));
    await waitFor(() => expect(screen.getByText('Ada')).toBeTruthy());
    expect(api.calls.find((call) => call.name === 'classroom.watch')?.input).toEqual({ dir: '/home/teacher/reports' });
  });

  it("in a browser, opens the page's folder picker and grades the reports it reads", async () => {
    const api = new FakeApi()
      .handle('classroom.pickFolder', () => ({ available: false }))
      .handle('classroom.grade', ({ label }) => table(label))
      .handle('classroom.unwatch', () => ({ stopped: true }));
    const { container } = render(ClassProgressScreen, { api, onBack: vi.fn() });
    const input = container.querySelector<HTMLInputElement>('input[type="file"]');
    if (!input) throw new Error('no folder input');
    const opened = vi.spyOn(input, 'click').mockImplementation(() => undefined);
    await fireEvent.click(screen.getByRole('button', { name: 'Choose the reports folder…' }));
    await waitFor(() => expect(opened).toHaveBeenCalled());

    const report = new File(['{"report":1}'], 'ada.labdeck-report.json', { type: 'application/json' });
    Object.defineProperty(report, 'webkitRelativePath', { value: 'class-3/ada.labdeck-report.json' });
    Object.defineProperty(input, 'files', { value: [report] });
    await fireEvent.change(input);
    await waitFor(() => expect(screen.getByText('Ada')).toBeTruthy());
    expect(api.calls.find((call) => call.name === 'classroom.grade')?.input).toEqual({ label: 'class-3', files: [{ name: 'ada.labdeck-report.json', text: '{"report":1}' }] });
    expect(screen.getByText(/choose or drop it again/)).toBeTruthy();
  });
});
